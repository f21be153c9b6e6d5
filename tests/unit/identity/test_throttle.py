"""Unit: the sign-in delay schedule and throttle keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from limner.identity.config import LoginSettings
from limner.identity.sessions.throttle import locked_until, throttle_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CFG = LoginSettings()


def test_free_failures_then_doubling_delays_then_lockout() -> None:
    delays = [locked_until(n, CFG, NOW) for n in range(1, 12)]
    seconds = [(d - NOW).total_seconds() if d else 0 for d in delays]
    assert seconds[:3] == [0, 0, 0]
    assert seconds[3:9] == [2, 4, 8, 16, 32, 64]
    assert seconds[9] == seconds[10] == CFG.lockout_s


def test_delays_are_capped() -> None:
    cfg = LoginSettings(max_delay_s=5, lockout_failures=50)
    assert locked_until(20, cfg, NOW) == NOW + timedelta(seconds=5)


def test_keys_hide_the_email_and_ignore_case() -> None:
    key = throttle_key(b"secret", "acct", "Ada@Example.com")
    assert key == throttle_key(b"secret", "acct", "ada@example.com ")
    assert "ada" not in key
    assert key.startswith("acct:")
    assert key != throttle_key(b"other", "acct", "ada@example.com")
