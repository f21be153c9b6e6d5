"""Unit tests: upstream attempts, retries and errors counted per vendor host; stages are no-ops outside
a request. Integration twins: tests/integration/usage/test_metrics.py, tests/integration/test_tracing.py."""

from __future__ import annotations

import httpx
import pytest

from limner import observe
from limner.errors import UpstreamError
from limner.observe import Instruments
from limner.upstream import RetryPolicy, send_with_retries
from tests.fakes.scripted import ScriptedAnswers

POLICY = RetryPolicy(max_retries=2, initial_delay_s=0.01, max_delay_s=0.01, retry_after_cap_s=1)


async def send(answers: ScriptedAnswers) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.MockTransport(answers.handle)) as client:

        async def make() -> httpx.Request:
            return client.build_request("POST", "https://api.vendor.test/v1/images/generations?sig=secret")

        return await send_with_retries(client, make, POLICY, label="The image provider", sleep=answers.sleep)


def sample(instruments: Instruments, name: str, **labels: str) -> float:
    return instruments.registry.get_sample_value(name, labels) or 0.0


async def test_attempts_retries_and_errors_per_host() -> None:
    instruments = Instruments()
    token = observe.current.set(instruments)
    try:
        assert (await send(ScriptedAnswers(503, 429, 200))).status_code == 200
        with pytest.raises(UpstreamError):
            await send(
                ScriptedAnswers(
                    httpx.ConnectError("down"), httpx.ConnectError("down"), httpx.ConnectError("x")
                )
            )
    finally:
        observe.current.reset(token)
    host = "api.vendor.test"
    assert sample(instruments, "limner_upstream_requests_total", backend=host, outcome="http_5xx") == 1
    assert sample(instruments, "limner_upstream_requests_total", backend=host, outcome="http_4xx") == 1
    assert sample(instruments, "limner_upstream_requests_total", backend=host, outcome="ok") == 1
    assert sample(instruments, "limner_upstream_requests_total", backend=host, outcome="transport_error") == 3
    assert sample(instruments, "limner_upstream_retries_total", backend=host) == 4
    assert sample(instruments, "limner_upstream_request_duration_seconds_count", backend=host) == 6


async def test_outside_a_request_nothing_is_recorded() -> None:
    calls = []

    @observe.stage("policy")
    async def work() -> int:
        calls.append(1)
        return 7

    assert await work() == 7
    assert calls == [1]
    observe.count_findings([("pii.email", "block")], "block")  # no instruments: a no-op, not an error
    with observe.genai_span("openai", "dall-e-3", 1) as span:
        assert span is None


async def test_a_failing_stage_is_timed_as_an_error() -> None:
    instruments = Instruments()

    @observe.stage("backend")
    async def broken() -> None:
        raise UpstreamError("down")

    token = observe.current.set(instruments)
    try:
        with pytest.raises(UpstreamError):
            await broken()
    finally:
        observe.current.reset(token)
    assert (
        sample(instruments, "limner_pipeline_stage_duration_seconds_count", stage="backend", outcome="error")
        == 1
    )
