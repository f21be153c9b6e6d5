"""Unit tests: the circuit breaker's states on a fake clock."""

from __future__ import annotations

import pytest

from limner.breaker import CircuitBreaker
from limner.errors import UnavailableError, UpstreamError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def failing(code: str = "upstream_unavailable") -> UpstreamError:
    return UpstreamError("The image provider answered HTTP 500.", code=code)


def test_opens_after_consecutive_transient_failures_and_answers_503_with_retry_after() -> None:
    clock = Clock()
    breaker = CircuitBreaker("The image provider", failures=3, open_s=10, jitter=0, clock=clock)
    for _ in range(3):
        breaker.before_call()
        breaker.record(failing())
    with pytest.raises(UnavailableError) as caught:
        breaker.before_call()
    assert caught.value.status == 503
    assert caught.value.code == "upstream_circuit_open"
    assert caught.value.headers == {"retry-after": "10"}
    clock.now += 9.5
    with pytest.raises(UnavailableError) as again:
        breaker.before_call()
    assert again.value.headers == {"retry-after": "1"}


@pytest.mark.parametrize(
    ("outcomes", "is_open"),
    [
        (["fail", "fail", "ok", "fail", "fail"], False),  # a success resets the count
        (["fail", "bad_request", "fail", "fail"], False),  # the request's own fault counts as a success
        (["timeout", "unreachable", "rate_limited"], True),
        (["fail", "fail"], False),
    ],
)
def test_what_counts_as_a_failure(outcomes: list[str], is_open: bool) -> None:
    codes = {
        "fail": "upstream_unavailable",
        "timeout": "upstream_timeout",
        "unreachable": "upstream_unreachable",
        "rate_limited": "upstream_rate_limited",
        "bad_request": "upstream_bad_request",
    }
    breaker = CircuitBreaker("x", failures=3, open_s=10, clock=Clock())
    for outcome in outcomes:
        breaker.record(None if outcome == "ok" else failing(codes[outcome]))
    assert breaker.is_open is is_open


def test_half_open_lets_one_trial_through_then_closes_or_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker("x", failures=1, open_s=10, jitter=0, clock=clock)
    breaker.record(failing())
    clock.now += 10
    breaker.before_call()  # the trial
    with pytest.raises(UnavailableError):
        breaker.before_call()  # a second caller while the trial runs
    breaker.record(failing())
    assert breaker.is_open
    with pytest.raises(UnavailableError):
        breaker.before_call()
    clock.now += 10
    breaker.before_call()
    breaker.record(None)
    assert not breaker.is_open
    breaker.before_call()


def test_zero_failures_turns_it_off() -> None:
    breaker = CircuitBreaker("x", failures=0, clock=Clock())
    for _ in range(50):
        breaker.before_call()
        breaker.record(failing())
    breaker.before_call()
