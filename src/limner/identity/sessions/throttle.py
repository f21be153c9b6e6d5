"""Progressive delays and lockout for failed sign-ins, per account and per client address.

State lives in the database so every replica sees the same counts. Keys are HMACs of the email or
address, so the table reveals neither."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import insert_if_absent, utcnow
from limner.identity.config import LoginSettings
from limner.identity.sessions.models import LoginThrottle


def throttle_key(secret_key: bytes, kind: str, value: str) -> str:
    digest = hmac.new(secret_key, f"throttle:{kind}:{value.strip().lower()}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:64]}"


async def wait_seconds(session: AsyncSession, keys: list[str]) -> int:
    """Seconds until every key may try again (0: allowed now)."""
    now = utcnow()
    rows = (await session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))).scalars()
    waits = [(r.locked_until - now).total_seconds() for r in rows if r.locked_until and r.locked_until > now]
    return math.ceil(max(waits, default=0))


async def record_failure(session: AsyncSession, keys: list[str], cfg: LoginSettings) -> None:
    now = utcnow()
    for key in sorted(keys):  # one order for every caller: no lock-order deadlocks on PostgreSQL
        await insert_if_absent(session, LoginThrottle, {"key": key, "failures": 0, "first_failure_at": now})
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.first_failure_at < now - _window(cfg))
            .values(failures=0, first_failure_at=now)
        )
        # An atomic increment: concurrent guesses cannot share one count.
        await session.execute(
            update(LoginThrottle).where(LoginThrottle.key == key).values(failures=LoginThrottle.failures + 1)
        )
        row = await session.get(LoginThrottle, key, populate_existing=True)
        if row is not None:
            row.locked_until = locked_until(row.failures, cfg, now)


def locked_until(failures: int, cfg: LoginSettings, now: datetime) -> datetime | None:
    """No delay for the first free_failures; then base_delay_s doubling to max_delay_s; a long
    lockout from lockout_failures on."""
    if failures >= cfg.lockout_failures:
        return now + timedelta(seconds=cfg.lockout_s)
    if failures <= cfg.free_failures:
        return None
    delay = min(cfg.base_delay_s * 2 ** (failures - cfg.free_failures - 1), cfg.max_delay_s)
    return now + timedelta(seconds=delay)


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def _window(cfg: LoginSettings) -> timedelta:
    return timedelta(seconds=cfg.failure_window_s)
