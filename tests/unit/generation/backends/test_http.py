"""Unit tests for upstream retries, backoff and transport errors over httpx.MockTransport (no network).

Retries against a real loopback server: tests/integration/generation/backends/test_openai_upstream.py."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from limner.errors import UpstreamError, UpstreamTimeoutError
from limner.generation.backends._http import LABEL, UpstreamOptions, build_client
from limner.upstream import backoff_delay, send_with_retries
from tests.fakes.scripted import ScriptedAnswers

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder(ScriptedAnswers):
    """Scripted answers plus how this family sends a request through the shared retry loop."""

    async def send(self, options: UpstreamOptions | None = None) -> httpx.Response:
        options = options or UpstreamOptions()
        async with build_client(options, httpx.MockTransport(self.handle)) as client:

            async def make() -> httpx.Request:
                return client.build_request("POST", "https://vendor.test/v1/images/generations")

            policy = options.retry_policy()
            return await send_with_retries(client, make, policy, label=LABEL, sleep=self.sleep)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
async def test_transient_statuses_are_retried_until_success(status: int) -> None:
    recorder = Recorder(status, status, 200)
    assert (await recorder.send()).status_code == 200
    assert recorder.calls == 3
    assert len(recorder.sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(status: int) -> None:
    recorder = Recorder(status)
    assert (await recorder.send()).status_code == status
    assert recorder.calls == 1


async def test_gives_up_after_max_retries_and_returns_the_last_answer() -> None:
    recorder = Recorder(500, 500, 500, 200)
    assert (await recorder.send(UpstreamOptions(max_retries=2))).status_code == 500
    assert recorder.calls == 3


async def test_retry_after_ms_sets_the_delay() -> None:
    recorder = Recorder(429, 200, headers={"retry-after-ms": "250"})
    await recorder.send()
    assert recorder.sleeps == [0.25]


async def test_retry_after_beyond_the_cap_fails_at_once() -> None:
    recorder = Recorder(429, 200, headers={"retry-after": "3600"})
    assert (await recorder.send(UpstreamOptions(retry_after_cap_s=60))).status_code == 429
    assert recorder.sleeps == []


@pytest.mark.parametrize(("flag", "status", "calls"), [("false", 503, 1), ("true", 400, 2)])
async def test_x_should_retry_overrides_the_status_rule(flag: str, status: int, calls: int) -> None:
    recorder = Recorder(status, 200, headers={"x-should-retry": flag})
    await recorder.send()
    assert recorder.calls == calls


async def test_connection_errors_are_retried_then_reported_as_unreachable() -> None:
    recorder = Recorder(*(httpx.ConnectError("refused") for _ in range(3)))
    with pytest.raises(UpstreamError) as caught:
        await recorder.send()
    assert (caught.value.code, recorder.calls) == ("upstream_unreachable", 3)


async def test_connect_error_then_success_succeeds() -> None:
    recorder = Recorder(httpx.ConnectError("refused"), 200)
    assert (await recorder.send()).status_code == 200


async def test_read_timeout_is_not_retried_and_maps_to_504() -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), 200)
    with pytest.raises(UpstreamTimeoutError) as caught:
        await recorder.send()
    assert (caught.value.status, caught.value.code, recorder.calls) == (504, "upstream_timeout", 1)


async def test_connect_timeout_is_retried() -> None:
    recorder = Recorder(httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy"), 200)
    assert (await recorder.send()).status_code == 200
    assert recorder.calls == 3


async def test_reset_after_sending_is_not_retried() -> None:
    recorder = Recorder(httpx.ReadError("reset"), 200)
    with pytest.raises(UpstreamError, match=r"^The image provider could not be reached \(ReadError\)\.$"):
        await recorder.send()
    assert recorder.calls == 1


def test_backoff_grows_is_capped_and_jittered() -> None:
    options = UpstreamOptions(retry_initial_delay_s=0.5, retry_max_delay_s=8).retry_policy()
    first = [backoff_delay(options, 0) for _ in range(200)]
    assert all(0.375 <= delay <= 0.5 for delay in first)
    assert len(set(first)) > 1
    assert all(6 <= backoff_delay(options, 10) <= 8 for _ in range(50))


def test_client_carries_no_credentials_by_default() -> None:
    client = build_client(UpstreamOptions(read_timeout_s=42, connect_timeout_s=3), None)
    assert "authorization" not in client.headers
    assert (client.timeout.read, client.timeout.connect) == (42, 3)
