"""Integration tests: image moderation, provenance and verify inside the generation flow, over HTTP."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from limner.components import Components, build_components
from limner.main import create_app
from limner.provenance.devca import create_dev_ca
from limner.provenance.watermarks import create_watermark_key
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


async def stack(tmp_path: Path, scores: dict[str, float]) -> tuple[Components, FastAPI]:
    data_dir = tmp_path / "data"
    create_dev_ca(data_dir / "provenance", org="Test CA")
    create_watermark_key(data_dir / "provenance")
    settings = make_settings(
        data_dir,
        provenance={"enabled": True, "signer": {"trust_anchor_path": "provenance/ca-cert.pem"}},
        moderation={"enabled": True, "providers": [{"kind": "fake", "scores": scores}]},
    )
    c = build_components(settings)
    await create_schema(c.engine)
    return c, create_app(components=c)


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient, Caller]]:
    c, app = await stack(tmp_path, {"sexual": 0.01})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield c, client, await make_caller(c, roles=["admin"])
    await c.aclose()


def reencode(data: bytes, fmt: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(data)) as img:
        img.convert("RGB").save(buffer, fmt, **options)
    return buffer.getvalue()


async def verify(client: httpx.AsyncClient, caller: Caller, data: bytes) -> dict[str, Any]:
    resp = await client.post(
        "/v1/limner/verify", headers=caller.headers, files={"file": ("x", data, "image/png")}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_every_image_is_signed_watermarked_and_verifiable(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    _, client, admin = guarded
    resp = await client.post(GEN, headers=admin.headers, json={"prompt": "a harbour", "size": "512x512"})
    image = base64.b64decode(resp.json()["data"][0]["b64_json"])
    original = await verify(client, admin, image)
    assert original["ours"] is True
    assert original["c2pa"] == {**original["c2pa"], "present": True, "valid": True, "state": "Trusted"}
    assert original["model"] == "limner-local"
    assert str(original["creator"]).startswith("u_")
    stripped = await verify(client, admin, reencode(image, "PNG"))
    assert stripped["ours"] is True
    assert stripped["c2pa"]["present"] is False
    assert stripped["image_id"] == original["image_id"]
    assert stripped["model"] == "limner-local"
    jpeg = await verify(client, admin, reencode(image, "JPEG", quality=75))
    assert jpeg["image_id"] == original["image_id"]


async def test_creator_is_shown_only_to_auditors(
    guarded: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    c, client, admin = guarded
    resp = await client.post(GEN, headers=admin.headers, json={"prompt": "a lantern", "size": "256x256"})
    image = base64.b64decode(resp.json()["data"][0]["b64_json"])
    viewer = await make_caller(c, roles=["viewer"])
    assert (await verify(client, viewer, image))["creator"] is None


async def test_foreign_and_bad_images(guarded: tuple[Components, httpx.AsyncClient, Caller]) -> None:
    _, client, admin = guarded
    buffer = io.BytesIO()
    Image.effect_mandelbrot((512, 512), (-2, -1.5, 1, 1.5), 60).convert("RGB").save(buffer, "PNG")
    foreign = await verify(client, admin, buffer.getvalue())
    assert foreign["ours"] is False
    bad = await client.post(
        "/v1/limner/verify", headers=admin.headers, files={"file": ("x", b"GIF89a...", "a/b")}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_image"


@pytest.mark.parametrize(
    ("scores", "status", "code"),
    [
        ({"sexual": 0.95}, 400, "image_blocked"),
        ({"sexual": 0.7}, 403, "held_for_review"),
    ],
)
async def test_image_moderation_blocks_or_holds(
    tmp_path: Path, scores: dict[str, float], status: int, code: str
) -> None:
    c, app = await stack(tmp_path, scores)
    caller = await make_caller(c, roles=["creator"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        resp = await client.post(GEN, headers=caller.headers, json={"prompt": "a beach", "size": "256x256"})
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code)
        assert "moderation.sexual" in resp.json()["error"]["message"] or code == "held_for_review"
        if code == "held_for_review":
            review_id = resp.json()["error"]["review_id"]
            reviewer = await make_caller(c, roles=["reviewer"])
            shown = await client.get(f"/v1/limner/reviews/{review_id}/images/0", headers=reviewer.headers)
            assert shown.headers["content-type"] == "image/png"
            for _ in range(2):
                second = await make_caller(c, roles=["reviewer"])
                await client.post(
                    f"/v1/limner/reviews/{review_id}/decision",
                    headers=second.headers,
                    json={"verdict": "approve", "reason": "beach scene, fine"},
                )
            done = (await client.get(f"/v1/limner/reviews/{review_id}", headers=caller.headers)).json()
            assert done["status"] == "approved"
            assert done["data"][0]["b64_json"]
    await c.aclose()


async def test_input_images_are_moderated_before_going_upstream(tmp_path: Path) -> None:
    c, app = await stack(tmp_path, {"sexual": 0.95})
    caller = await make_caller(c, roles=["creator"])
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (9, 9, 9)).save(buffer, "PNG")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        resp = await client.post(
            "/v1/images/edits",
            headers=caller.headers,
            data={"prompt": "p", "model": "fake-model"},
            files={"image": ("a.png", buffer.getvalue(), "image/png")},
        )
    assert resp.status_code == 400
    assert "input image" in resp.json()["error"]["message"]
    assert c.backends["fake"].requests == []  # type: ignore[attr-defined]
    await c.aclose()
