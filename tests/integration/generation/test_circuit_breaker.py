"""Integration tests: a failing vendor opens the backend's circuit breaker (HTTP API, loopback fake)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from limner.components import build_components
from limner.generation.backends.openai import OpenAIConfig
from limner.imaging.catalog import ModelSpec
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller
from tests.fakes.openai_upstream import FakeUpstreamState, FaultMode, serve_fake_upstream

GEN = "/v1/images/generations"
BODY = {"model": "dall-e-2", "prompt": "a harbour", "size": "256x256"}
OPEN_S = 30.0  # long enough that no slow machine sees the window pass during a test
RECOVER_S = 3.0


@pytest.fixture
def upstream() -> Iterator[tuple[str, FakeUpstreamState]]:
    with serve_fake_upstream() as served:
        yield served


@pytest.fixture
async def gateway(
    tmp_path: Path, upstream: tuple[str, FakeUpstreamState], request: pytest.FixtureRequest
) -> AsyncIterator[tuple[httpx.AsyncClient, Caller]]:
    failures, open_s = getattr(request, "param", (2, OPEN_S))
    vendor = OpenAIConfig(
        base_url=upstream[0],
        api_key=upstream[1].api_key,
        max_retries=1,
        retry_initial_delay_s=0.01,
        read_timeout_s=3,
        breaker_failures=failures,
        breaker_open_s=open_s,
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
async def test_a_failing_vendor_opens_the_breaker(
    gateway: tuple[httpx.AsyncClient, Caller], upstream: tuple[str, FakeUpstreamState], fault: FaultMode
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
    assert 1 <= int(refused.headers["retry-after"]) <= OPEN_S
    assert len(state.image_requests()) == sent  # nothing reached the vendor while open


@pytest.mark.parametrize("gateway", [(1, RECOVER_S)], indirect=True)
async def test_after_the_open_window_a_trial_request_closes_it(
    gateway: tuple[httpx.AsyncClient, Caller], upstream: tuple[str, FakeUpstreamState]
) -> None:
    client, caller = gateway
    upstream[1].add_fault("http_500", times=2)
    assert (await client.post(GEN, headers=caller.headers, json=BODY)).status_code == 502
    refused = await client.post(GEN, headers=caller.headers, json=BODY)
    assert refused.status_code == 503
    await asyncio.sleep(RECOVER_S + 0.2)  # the window is jittered shorter, never longer
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
