"""Unit tests for limner.upstream, the HTTP plumbing the image backends, image moderation and remote
prompt checks share, over httpx.MockTransport (no network).

Each family's own policy: tests/unit/generation/backends/test_http.py, tests/unit/moderation/,
tests/unit/policy/detectors/test_remote_*.py."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from limner.errors import UpstreamError, UpstreamTimeoutError
from limner.generation.backends._http import UpstreamOptions
from limner.moderation.providers._http import HttpOptions
from limner.policy.detectors._remote_http import RemoteOptions
from limner.upstream import (
    RetryPolicy,
    backoff_delay,
    decode_json,
    retry_after_s,
    retry_delay,
    send_with_retries,
    vendor_code,
)
from tests.fakes.scripted import ScriptedAnswers

POLICY = RetryPolicy(max_retries=2, initial_delay_s=0.1, max_delay_s=1.0, retry_after_cap_s=5.0)


class Recorder(ScriptedAnswers):
    """Scripted answers plus how this family sends a request through the shared retry loop."""

    async def send(self, policy: RetryPolicy = POLICY) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.MockTransport(self.handle)) as client:

            async def make() -> httpx.Request:
                return client.build_request("POST", "https://vendor.test/check", json={"n": self.calls})

            return await send_with_retries(client, make, policy, label="The vendor", sleep=self.sleep)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after-ms": "x", "retry-after": "3"}, 3.0),
        ({"retry-after": ""}, None),
        ({"retry-after": "soon"}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_s(httpx.Headers(headers)) == expected


def test_retry_after_http_date_is_seconds_from_now() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    delay = retry_after_s(httpx.Headers({"retry-after": when}))
    assert delay is not None
    assert 28 <= delay <= 31
    past = retry_after_s(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert past is not None
    assert past < 0


@pytest.mark.parametrize("jitter", [0.25, 0.5])
def test_backoff_grows_is_capped_and_jittered_by_the_policy_fraction(jitter: float) -> None:
    policy = RetryPolicy(
        max_retries=2, initial_delay_s=0.5, max_delay_s=4.0, retry_after_cap_s=1, jitter=jitter
    )
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (10, 4.0)]:
        delays = {backoff_delay(policy, attempt) for _ in range(50)}
        assert all(ceiling * (1 - jitter) <= d <= ceiling for d in delays)
        assert len(delays) > 1


@pytest.mark.parametrize(
    ("status", "retried"), [(400, False), (409, False), (408, True), (429, True), (500, True), (503, True)]
)
def test_default_policy_retries_408_429_and_5xx(status: int, retried: bool) -> None:
    response = httpx.Response(status)
    assert (retry_delay(POLICY, response, 0) is not None) is retried
    assert retry_delay(POLICY, response, POLICY.max_retries) is None


def test_x_should_retry_counts_only_when_the_policy_honours_it() -> None:
    honouring = RetryPolicy(
        max_retries=2, initial_delay_s=0.1, max_delay_s=1, retry_after_cap_s=1, honour_should_retry=True
    )
    refused = httpx.Response(503, headers={"x-should-retry": "false"})
    forced = httpx.Response(400, headers={"x-should-retry": "true"})
    assert retry_delay(POLICY, refused, 0) is not None
    assert retry_delay(POLICY, forced, 0) is None
    assert retry_delay(honouring, refused, 0) is None
    assert retry_delay(honouring, forced, 0) is not None
    assert retry_delay(honouring, httpx.Response(200, headers={"x-should-retry": "true"}), 0) is None


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    assert retry_delay(POLICY, httpx.Response(429, headers={"retry-after": "3"}), 0) == 3.0
    assert retry_delay(POLICY, httpx.Response(429, headers={"retry-after": "6"}), 0) is None
    assert 0.05 <= (retry_delay(POLICY, httpx.Response(429, headers={"retry-after": "0"}), 0) or 0) <= 0.1


async def test_a_read_timeout_is_retried_by_default() -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), httpx.ReadError("reset"), 200)
    assert (await recorder.send()).status_code == 200
    assert (recorder.calls, len(recorder.sleeps)) == (3, 2)


async def test_transport_failures_outside_the_policy_are_not_retried() -> None:
    only_connect = RetryPolicy(
        max_retries=2,
        initial_delay_s=0.1,
        max_delay_s=1,
        retry_after_cap_s=1,
        retry_exceptions=(httpx.ConnectError,),
    )
    recorder = Recorder(httpx.ReadTimeout("slow"), 200)
    with pytest.raises(UpstreamTimeoutError, match=r"^The vendor did not answer in time \(ReadTimeout\)\.$"):
        await recorder.send(only_connect)
    assert recorder.calls == 1


async def test_exhausted_retries_map_to_upstream_unreachable() -> None:
    recorder = Recorder(*(httpx.ConnectError("refused") for _ in range(3)))
    with pytest.raises(UpstreamError) as caught:
        await recorder.send()
    assert (caught.value.status, caught.value.code, recorder.calls) == (502, "upstream_unreachable", 3)
    assert caught.value.message == "The vendor could not be reached (ConnectError)."
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_the_last_response_is_returned_whatever_its_status() -> None:
    recorder = Recorder(500, 502, 503, 200)
    assert (await recorder.send()).status_code == 503
    assert recorder.calls == 3


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(400, json={"error": {"code": "invalid_value", "type": "x"}}), "invalid_value"),
        (httpx.Response(500, json={"error": {"code": None, "type": "server_error"}}), "server_error"),
        (httpx.Response(429, json={"error": {"code": "TooManyRequests"}}), "TooManyRequests"),
        (httpx.Response(503, text="<html>", headers={"x-ms-error-code": "ServerBusy"}), "ServerBusy"),
        (httpx.Response(502, json=["odd"]), None),
    ],
)
def test_vendor_code_comes_from_either_vendors_error_shape(
    response: httpx.Response, code: str | None
) -> None:
    assert vendor_code(response) == code


def test_decode_json_keeps_the_vendor_code_but_not_its_message() -> None:
    answer = httpx.Response(400, json={"error": {"code": "bad", "message": "the secret prompt"}})
    with pytest.raises(UpstreamError) as caught:
        decode_json(answer, "The vendor")
    assert (caught.value.message, caught.value.code) == ("The vendor answered HTTP 400 (bad).", "bad")
    with pytest.raises(UpstreamError, match=r"^The vendor answered HTTP 500\.$"):
        decode_json(httpx.Response(500, text="oops"), "The vendor")


def test_decode_json_reports_a_body_that_is_not_json() -> None:
    garbage = httpx.Response(200, text="<html>")
    with pytest.raises(UpstreamError, match=r"^The vendor sent a body that is not JSON\.$") as caught:
        decode_json(garbage, "The vendor")
    assert caught.value.code == "upstream_bad_response"
    with pytest.raises(UpstreamError, match=r"^The vendor sent junk\.$"):
        decode_json(garbage, "The vendor", bad_body="sent junk")
    assert decode_json(httpx.Response(200, json={"ok": 1}), "The vendor") == {"ok": 1}


def test_each_family_keeps_its_own_policy() -> None:
    backends = UpstreamOptions().retry_policy()
    moderation = HttpOptions().retry_policy()
    remote = RemoteOptions().retry_policy()
    assert (backends.initial_delay_s, backends.max_delay_s, backends.retry_after_cap_s) == (0.5, 8.0, 60.0)
    assert (moderation.initial_delay_s, moderation.max_delay_s, moderation.retry_after_cap_s) == (
        0.25,
        4.0,
        10.0,
    )
    assert (remote.initial_delay_s, remote.max_delay_s, remote.retry_after_cap_s) == (0.2, 2.0, 5.0)
    # Generation is billed: 409 and x-should-retry count, a read timeout is not retried.
    assert backends.honour_should_retry
    assert 409 in backends.retry_statuses
    assert not issubclass(httpx.ReadTimeout, backends.retry_exceptions)
    assert (backends.jitter, moderation.jitter, remote.jitter) == (0.25, 0.5, 0.5)
    for free in (moderation, remote):
        assert not free.honour_should_retry
        assert 409 not in free.retry_statuses
        assert issubclass(httpx.ReadTimeout, free.retry_exceptions)
