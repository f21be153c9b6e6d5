"""Integration tests: a failing vendor opens the backend's circuit breaker (HTTP API, loopback fake)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from limner.components import build_components
from limner.generation.backends.openai import OpenAIConfig
from limner.generation.catalog import ModelSpec
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller
from tests.fakes.openai_upstream import FakeUpstreamState, serve_fake_upstream

GEN = "/v1/images/generations"
BODY = {"model": "dall-e-2", "prompt": "a harbour", "size": "256x256"}
OPEN_S = 0.3


@pytest.fixture
def upstream() -> Iterator[tuple[str, FakeUpstreamState]]:
    with serve_fake_upstream() as served:
        yield served


@pytest.fixture
async def gateway(
    tmp_path: Path, upstream: tuple[str, FakeUpstreamState]
) -> AsyncIterator[tuple[httpx.AsyncClient, Caller]]:
    vendor = OpenAIConfig(
        base_url=upstream[0],
        api_key=upstream[1].api_key,
        max_retries=1,
        retry_initial_delay_s=0.01,
        read_timeout_s=0.5,
        breaker_failures=2,
        breaker_open_s=OPEN_S,
    )
    settings = make_settings(
        tmp_path / "data",
        generation={
            "backends": {"vendor": vendor},
            "models": [ModelSpec(id="dall-e-2", backend="vendor", family="dall-e-2")],
        },
    )
    c = build_components(settings)
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, await make_caller(c, roles=["creator"])
    await c.aclose()


@pytest.mark.parametrize("fault", ["http_500", "http_503", "garbage", "timeout"])
async def test_a_failing_vendor_opens_the_breaker_then_a_trial_closes_it(
    gateway: tuple[httpx.AsyncClient, Caller], upstream: tuple[str, FakeUpstreamState], fault: str
) -> None:
    client, caller = gateway
    state = upstream[1]
    state.add_fault(fault, times=4)  # two requests, each tried twice
    for _ in range(2):
        failed = await client.post(GEN, headers=caller.headers, json=BODY)
        assert failed.status_code in (502, 504), failed.text
    sent = len(state.image_requests())
    refused = await client.post(GEN, headers=caller.headers, json=BODY)
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "upstream_circuit_open"
    assert int(refused.headers["retry-after"]) >= 1
    assert len(state.image_requests()) == sent  # nothing reached the vendor while open
    state.faults.clear()
    await asyncio.sleep(OPEN_S + 0.1)  # the open window is jittered shorter, never longer
    recovered = await client.post(GEN, headers=caller.headers, json=BODY)
    assert recovered.status_code == 200, recovered.text
    assert (await client.post(GEN, headers=caller.headers, json=BODY)).status_code == 200


async def test_requests_refused_by_the_vendor_do_not_open_it(
    gateway: tuple[httpx.AsyncClient, Caller], upstream: tuple[str, FakeUpstreamState]
) -> None:
    client, caller = gateway
    upstream[1].add_fault("content_policy_violation", times=3)
    for _ in range(3):
        assert (await client.post(GEN, headers=caller.headers, json=BODY)).status_code == 400
    assert (await client.post(GEN, headers=caller.headers, json=BODY)).status_code == 200
