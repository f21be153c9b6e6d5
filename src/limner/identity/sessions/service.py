"""Server-side sessions: opaque cookie tokens stored as HMACs, rotation, idle and absolute timeouts, CSRF."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.errors import AuthenticationError
from limner.identity.accounts.models import User
from limner.identity.config import SessionSettings
from limner.identity.sessions.models import AuthSession

_TOUCH_EVERY = timedelta(seconds=60)  # a write per request would serialise a user's traffic on one row
EXPIRED = "Your session has expired or was ended. Sign in again."


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session: the cookie value and CSRF token go to the browser once and are never stored."""

    token: str
    csrf_token: str
    row: AuthSession


def token_hash(secret_key: bytes, token: str, purpose: str = "session") -> str:
    return hmac.new(secret_key, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()


async def start_session(
    session: AsyncSession,
    *,
    user_id: str,
    secret_key: bytes,
    cfg: SessionSettings,
    mfa_pending: bool,
    method: str,
    client_ip: str | None,
    mfa_at: datetime | None = None,
    started_at: datetime | None = None,
) -> IssuedSession:
    """A fresh id every time (rotation): an id an attacker planted before sign-in is worthless after."""
    now = utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    created = started_at or now
    lifetime = cfg.pending_mfa_timeout_s if mfa_pending else cfg.absolute_timeout_s
    row = AuthSession(
        id=token_hash(secret_key, token),
        user_id=user_id,
        csrf_hash=token_hash(secret_key, csrf, "csrf"),
        mfa_pending=mfa_pending,
        mfa_at=mfa_at,
        method=method,
        client_ip=client_ip,
        created_at=created,
        last_seen_at=now,
        expires_at=min(
            created + timedelta(seconds=cfg.absolute_timeout_s), now + timedelta(seconds=lifetime)
        ),
    )
    session.add(row)
    await session.flush()
    return IssuedSession(token=token, csrf_token=csrf, row=row)


async def find_session(
    session: AsyncSession, *, token: str, secret_key: bytes, cfg: SessionSettings, touch: bool = True
) -> AuthSession:
    """The live session for a cookie value (pending or complete). `touch` refreshes its idle timer;
    read-only callers pass touch=False and, when `needs_touch`, call `touch_session` in a write."""
    row = await session.get(AuthSession, token_hash(secret_key, token))
    now = utcnow()
    if row is None or not is_live(row, cfg, now):
        raise AuthenticationError(EXPIRED, code="session_expired")
    if touch and needs_touch(row, now):
        row.last_seen_at = now
    return row


async def find_signed_in(
    session: AsyncSession, *, token: str, secret_key: bytes, cfg: SessionSettings, touch: bool = True
) -> tuple[AuthSession, User]:
    """The live session and its user, who must still be active."""
    row = await find_session(session, token=token, secret_key=secret_key, cfg=cfg, touch=touch)
    user = await session.get(User, row.user_id)
    if user is None or user.status != "active":
        raise AuthenticationError(EXPIRED, code="session_expired")
    return row, user


def needs_touch(row: AuthSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - row.last_seen_at > _TOUCH_EVERY


async def touch_session(session: AsyncSession, session_id: str) -> None:
    """Refresh the idle timer (the caller's write transaction); a no-op when another request just did."""
    row = await session.get(AuthSession, session_id)
    if row is not None and needs_touch(row):
        row.last_seen_at = utcnow()


def is_live(row: AuthSession, cfg: SessionSettings, now: datetime) -> bool:
    return (
        row.ended_at is None
        and row.expires_at > now
        and row.last_seen_at + timedelta(seconds=cfg.idle_timeout_s) > now
    )


async def rotate_after_mfa(
    session: AsyncSession, old: AuthSession, *, secret_key: bytes, cfg: SessionSettings
) -> IssuedSession:
    """MFA succeeded: end the old id and issue a complete session; the absolute limit still counts
    from the original sign-in."""
    old.ended_at = utcnow()
    return await start_session(
        session,
        user_id=old.user_id,
        secret_key=secret_key,
        cfg=cfg,
        mfa_pending=False,
        method=old.method,
        client_ip=old.client_ip,
        mfa_at=utcnow(),
        started_at=old.created_at,
    )


def end_session(row: AuthSession) -> None:
    row.ended_at = row.ended_at or utcnow()


async def end_user_sessions(session: AsyncSession, user_id: str) -> int:
    """Sign out everywhere: every live session of the user ends now."""
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_ok(secret_key: bytes, row: AuthSession, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(token_hash(secret_key, presented, "csrf"), row.csrf_hash)
