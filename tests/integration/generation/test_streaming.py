"""Integration tests: `stream: true` answers with the server-sent events the SDK parses (in-process app).

End-to-end twin with the official SDK: tests/e2e/test_streaming_and_azure.py."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from limner.components import Components
from limner.imaging.actions import Action
from tests.factories import Caller, FixedPolicy, make_caller
from tests.integration.generation.test_image_stages import stack, verify

GEN = "/v1/images/generations"


def parse_events(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
        if data:
            events.append(json.loads("".join(data)))
    return events


async def stream(
    client: httpx.AsyncClient, caller: Caller, **body: object
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    payload = {"model": "limner-local", "prompt": "a lighthouse", "size": "256x256", "stream": True} | body
    resp = await client.post(GEN, headers=caller.headers, json=payload)
    return resp, parse_events(resp.text)


async def test_partials_then_the_stored_image(client: httpx.AsyncClient, admin: Caller) -> None:
    resp, events = await stream(client, admin, partial_images=2)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert [e["type"] for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert [e["partial_image_index"] for e in events[:2]] == [0, 1]
    final = events[-1]
    assert (final["size"], final["output_format"], final["background"]) == ("256x256", "png", "opaque")
    assert final["usage"]["total_tokens"] > 0
    with Image.open(io.BytesIO(base64.b64decode(str(final["b64_json"])))) as img:
        assert img.size == (256, 256)
    partial = base64.b64decode(str(events[0]["b64_json"]))
    assert partial != base64.b64decode(str(final["b64_json"]))


async def test_partials_can_be_withheld_by_configuration(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    components.settings.generation.stream_partials = "none"
    _, events = await stream(client, admin, partial_images=3)
    assert [e["type"] for e in events] == ["image_generation.completed"]


async def test_checked_partials_and_a_blocked_image_end_in_an_error_event(tmp_path: Path) -> None:
    c, app = await stack(tmp_path, {"sexual": 0.99})  # every image fails the image checks
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        _, events = await stream(client, await make_caller(c, roles=["admin"]), partial_images=3)
    await c.aclose()
    assert len(events) == 1  # no partial was sent
    assert events[0]["error"]["code"] == "image_blocked"


async def test_the_completed_image_carries_provenance_and_partials_do_not(tmp_path: Path) -> None:
    c, app = await stack(tmp_path, {"sexual": 0.01})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        caller = await make_caller(c, roles=["admin"])
        _, events = await stream(client, caller, partial_images=1)
        final = await verify(client, caller, base64.b64decode(str(events[-1]["b64_json"])))
        partial = await verify(client, caller, base64.b64decode(str(events[0]["b64_json"])))
    await c.aclose()
    assert final["c2pa"]["valid"] is True
    assert partial["c2pa"]["present"] is False


async def test_a_blocked_prompt_is_a_normal_error_before_the_stream(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    components.policy = FixedPolicy(Action.BLOCK, ("harm.violence",))
    resp, _ = await stream(client, creator)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "content_policy_violation"
    components.policy = FixedPolicy(Action.REVIEW, ("ip.character",))
    held, _ = await stream(client, creator)
    assert held.status_code == 403
    assert held.json()["error"]["code"] == "held_for_review"


async def test_edits_stream_with_their_own_event_names(client: httpx.AsyncClient, admin: Caller) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, "PNG")
    resp = await client.post(
        "/v1/images/edits",
        headers=admin.headers,
        data={"model": "limner-local", "prompt": "teal", "stream": "true", "partial_images": "1"},
        files={"image": ("a.png", buffer.getvalue(), "image/png")},
    )
    assert [e["type"] for e in parse_events(resp.text)] == [
        "image_edit.partial_image",
        "image_edit.completed",
    ]


async def test_a_quota_refusal_is_a_normal_429_before_the_stream(tmp_path: Path) -> None:
    from limner.components import build_components
    from limner.main import create_app
    from tests.conftest import create_schema, make_settings

    c = build_components(make_settings(tmp_path / "data", identity={"quotas": {"per_user": {"per_day": 1}}}))
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        caller = await make_caller(c, roles=["creator"])
        first, events = await stream(client, caller)
        refused, _ = await stream(client, caller)
    await c.aclose()
    assert first.status_code == 200
    assert events[-1]["type"] == "image_generation.completed"
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"
