"""The harm model tier inside the generation flow: it decides with the fast tier, off the event loop,
and its time comes back as x-limner-model-ms, outside x-limner-overhead-ms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from limner.components import Components, build_components
from limner.main import create_app
from limner.policy import service
from limner.policy.detectors.encoders import FakeEncoder, FakeEncoderConfig
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"
DIM = 32


def fake_head(path: Path) -> Path:
    """A head for the fake encoder that reads "quux" (a word no lexicon holds) as harm.violence."""
    weights = np.zeros((DIM, 1), np.float32)
    weights[:, 0] = FakeEncoder(FakeEncoderConfig(dim=DIM)).encode(["quux"])[0] * 24.0
    meta = {"encoder": "fake", "categories": ["harm.violence"], "thresholds": {"harm.violence": 0.7}}
    np.savez(path, weights=weights, bias=np.array([-6.0], np.float32), meta=np.array(json.dumps(meta)))
    return path


def with_tier(policy: str, tier: str) -> str:
    """The default policy with its harm_model entry replaced by `tier` (empty: no model tier)."""
    lines = policy.splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith("  - kind: harm_model")]
    return "".join([*lines[:index], tier, *lines[index + 1 :]])


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient, Caller]]:
    c = build_components(make_settings(tmp_path / "data", policy={"enabled": True, "refresh_s": 0}))
    await create_schema(c.engine)
    head = fake_head(tmp_path / "head.npz")
    tier = f"  - kind: harm_model\n    encoder: {{kind: fake, dim: {DIM}}}\n    head: {head}\n"
    text = with_tier(service.default_policy_text(), tier)
    async with c.sessions.begin() as session:
        await service.save_policy(session, text=text, actor_id=None)
    app: FastAPI = create_app(components=c)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield c, client, await make_caller(c, roles=["creator"])
    await c.aclose()


async def test_the_model_tier_blocks_what_the_lexicons_miss(
    api: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    _, client, caller = api
    resp = await client.post(GEN, headers=caller.headers, json={"prompt": "a quux in the garden"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "content_policy_violation"
    assert "harm.violence" in error["message"]
    assert "quux" not in resp.text


async def test_model_time_is_reported_apart_from_the_overhead(
    api: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    _, client, caller = api
    body = {"prompt": "a garden at dawn", "size": "256x256"}
    resp = await client.post(GEN, headers=caller.headers, json=body)
    assert resp.status_code == 200, resp.text
    model_ms = float(resp.headers["x-limner-model-ms"])
    overhead_ms = float(resp.headers["x-limner-overhead-ms"])
    assert model_ms > 0
    assert overhead_ms > 0


async def test_without_the_tier_the_model_time_is_zero(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path / "data", policy={"enabled": True, "refresh_s": 0}))
    await create_schema(c.engine)
    async with c.sessions.begin() as session:
        await service.save_policy(session, text=with_tier(service.default_policy_text(), ""), actor_id=None)
    app: FastAPI = create_app(components=c)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        caller = await make_caller(c, roles=["creator"])
        resp = await client.post(GEN, headers=caller.headers, json={"prompt": "a garden", "size": "256x256"})
    await c.aclose()
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-limner-model-ms"] == "0.00"


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("een naakte vrouw op het strand", "harm.sexual"),  # Dutch: no lexicon
        ("обнаженная женщина на пляже", "harm.sexual"),  # Russian: no lexicon
        ("一个男人用刀刺死另一个男人\uff0c到处是血", "harm.violence"),  # Chinese: no lexicon
    ],
)
async def test_the_default_policy_reads_languages_no_lexicon_covers(
    tmp_path: Path, prompt: str, category: str
) -> None:
    c = build_components(make_settings(tmp_path / "data", policy={"enabled": True, "refresh_s": 0}))
    await create_schema(c.engine)
    app: FastAPI = create_app(components=c)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        caller = await make_caller(c, roles=["creator"])
        blocked = await client.post(GEN, headers=caller.headers, json={"prompt": prompt})
        allowed = await client.post(GEN, headers=caller.headers, json={"prompt": "a lighthouse at dusk"})
    await c.aclose()
    assert blocked.status_code == 400
    assert category in blocked.json()["error"]["message"]
    assert allowed.status_code == 200, allowed.text
    assert float(allowed.headers["x-limner-model-ms"]) > 0
