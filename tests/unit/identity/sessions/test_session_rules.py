"""Unit: session liveness (idle and absolute limits, ended sessions), idle-timer touches and the CSRF check.

Twin: tests/integration/identity/sessions/test_session_lifetime.py (the same limits through the API)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from limner.db import utcnow
from limner.identity.config import SessionSettings
from limner.identity.sessions.models import AuthSession
from limner.identity.sessions.service import csrf_ok, is_live, needs_touch, token_hash

KEY = b"k" * 32
CFG = SessionSettings(idle_timeout_s=600, absolute_timeout_s=3600)
NOW = datetime(2026, 1, 1, 12, 0, 0)


def row(
    *, seen_ago_s: int = 0, expires_in_s: int = 3000, ended: bool = False, csrf: str = "csrf-token"
) -> AuthSession:
    return AuthSession(
        id="id",
        user_id="u",
        csrf_hash=token_hash(KEY, csrf, "csrf"),
        mfa_pending=False,
        method="password",
        created_at=NOW - timedelta(seconds=60),
        last_seen_at=NOW - timedelta(seconds=seen_ago_s),
        expires_at=NOW + timedelta(seconds=expires_in_s),
        ended_at=NOW if ended else None,
    )


@pytest.mark.parametrize(
    ("session", "live"),
    [
        (row(), True),
        (row(seen_ago_s=599), True),
        (row(seen_ago_s=600), False),  # idle limit reached
        (row(expires_in_s=0), False),  # absolute limit reached
        (row(expires_in_s=-1), False),
        (row(ended=True), False),  # signed out
    ],
    ids=["fresh", "just-inside-idle", "idle", "absolute-edge", "absolute", "ended"],
)
def test_a_session_lives_until_its_idle_or_absolute_limit_or_its_end(
    session: AuthSession, live: bool
) -> None:
    assert is_live(session, CFG, NOW) is live


@pytest.mark.parametrize(("seen_ago_s", "touch"), [(0, False), (60, False), (61, True), (500, True)])
def test_the_idle_timer_is_written_at_most_once_a_minute(seen_ago_s: int, touch: bool) -> None:
    assert needs_touch(row(seen_ago_s=seen_ago_s), NOW) is touch


def test_needs_touch_defaults_to_the_current_time() -> None:
    stale = row()
    stale.last_seen_at = utcnow() - timedelta(minutes=5)
    assert needs_touch(stale)


@pytest.mark.parametrize(
    ("presented", "ok"),
    [("csrf-token", True), ("csrf-token ", False), ("other", False), ("", False), (None, False)],
)
def test_the_csrf_token_must_match_exactly(presented: str | None, ok: bool) -> None:
    assert csrf_ok(KEY, row(), presented) is ok


def test_token_hashes_are_bound_to_their_purpose_and_key() -> None:
    assert token_hash(KEY, "t") != token_hash(KEY, "t", "csrf")
    assert token_hash(KEY, "t") != token_hash(b"j" * 32, "t")
