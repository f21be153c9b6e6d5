"""The Generate form streamed (integration, over ASGI): checked partial images while the model renders,
then the page the plain post answers with; refusals and holds come back as that page. The browser test
is in tests/e2e/browser/test_generate_stream.py; the plain post: test_generate.py."""

from __future__ import annotations

import json
from typing import Any

import httpx

from limner.components import Components
from limner.imaging.actions import Action
from tests.factories import FixedPolicy
from tests.integration.web.conftest import home_csrf, web_sign_in


def events(body: str) -> list[dict[str, Any]]:
    found = []
    for block in body.split("\n\n"):
        data = [line.removeprefix("data: ") for line in block.splitlines() if line.startswith("data: ")]
        if data:
            found.append(json.loads("\n".join(data)))
    return found


async def stream(client: httpx.AsyncClient, components: Components, **form: str) -> list[dict[str, Any]]:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    response = await client.post("/generate/stream", data={**form, "csrf_token": csrf})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return events(response.text)


async def test_partials_of_each_image_come_before_the_result_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    got = await stream(
        client, components, prompt="a lighthouse at dusk", model="limner-local", size="256x256", n="2"
    )
    *partials, last = got
    shown = {(p["image_index"], p["partial_image_index"]) for p in partials}
    assert shown == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert {p["type"] for p in partials} == {"partial_image"}
    assert all(p["src"].startswith("data:image/png;base64,") for p in partials)
    assert (last["type"], last["status"]) == ("page", 200)
    assert "Your images" in last["html"]
    assert "Policy version" in last["html"]
    assert last["html"].count("Download the signed file") == 2


async def test_a_blocked_prompt_comes_back_as_the_form_with_its_error(
    client: httpx.AsyncClient, components: Components
) -> None:
    prompt = "my key is AKIAZ7Q3M2X9K4L6P8RT draw it"
    [page] = await stream(client, components, prompt=prompt)
    assert (page["type"], page["status"]) == ("page", 400)
    assert "blocked" in page["html"].lower()
    assert prompt in page["html"]


async def test_a_held_prompt_comes_back_as_the_review_status(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.policy = FixedPolicy(Action.REVIEW, ("ip.trademark",))
    [page] = await stream(client, components, prompt="a storm", size="256x256")
    assert "Held for review" in page["html"]


async def test_the_stream_needs_the_csrf_token(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.post("/generate/stream", data={"prompt": "a lighthouse at dusk"})
    assert response.status_code == 403
    assert not response.headers["content-type"].startswith("text/event-stream")
