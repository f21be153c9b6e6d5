"""Through the HTTP API: historical people and public-domain artists pass, living public figures do not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from limner.components import build_components
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Caller]]:
    c = build_components(make_settings(tmp_path / "data", policy={"enabled": True, "refresh_s": 0}))
    await create_schema(c.engine)
    app: FastAPI = create_app(components=c)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client, await make_caller(c, roles=["creator"])
    await c.aclose()


@pytest.mark.parametrize(
    "prompt",
    [
        "a starry night in the style of Van Gogh",
        "a marble statue of Abraham Lincoln",
        "an oil painting of Napoleon crossing the Alps",
        "a starry night in the style of Greg Rutkowski",  # living artist: ip.artist_style, allowed by default
    ],
)
async def test_history_and_styles_are_generated(api: tuple[httpx.AsyncClient, Caller], prompt: str) -> None:
    client, caller = api
    resp = await client.post(GEN, headers=caller.headers, json={"prompt": prompt, "size": "256x256"})
    assert resp.status_code == 200, resp.text
    assert "person." not in resp.headers.get("x-limner-warnings", "")


@pytest.mark.parametrize(
    "prompt",
    [
        "a realistic photo of Emmanuel Macron crossing the Alps",
        "a marble statue of Joe Biden",
        "a photo of Barack Obama in the style of Van Gogh",
    ],
)
async def test_living_public_figures_are_refused(api: tuple[httpx.AsyncClient, Caller], prompt: str) -> None:
    client, caller = api
    resp = await client.post(GEN, headers=caller.headers, json={"prompt": prompt, "size": "256x256"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "content_policy_violation"
    assert "person.public_figure" in error["message"]
