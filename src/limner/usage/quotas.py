"""Quota checks around a generation: reserve before the upstream call, release if it fails.

Counted per UTC day and month: images per user, per API key and per group, and money per group
(priced by usage.costs). What the checks use is spelled out in `QuotaContext`: the one counter store
(built by components), the quota settings, and sessions to audit a refusal in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner import observe
from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import QuotaExceededError
from limner.identity.schemas import Principal
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import ImageRequest
from limner.usage.config import ImageLimits, QuotaSettings
from limner.usage.costs import MICRO, image_price_micro
from limner.usage.counters import CounterItem, CounterStore

_LABELS = {"user": "your", "key": "this API key's", "group": "your group's"}


class QuotaContext(Protocol):
    """What quota checks read (Components provides it)."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def counters(self) -> CounterStore: ...

    @property
    def quota_settings(self) -> QuotaSettings: ...


@dataclass(frozen=True, slots=True)
class Reservation:
    """What was counted for one request, so a failed request can be given back."""

    principal_id: str
    images: int
    items: tuple[CounterItem, ...] = ()


@observe.stage("quota")
async def reserve(
    c: QuotaContext, principal: Principal, spec: ModelSpec, request: ImageRequest
) -> Reservation:
    """Count `request.n` images against every quota and budget that applies; raise
    QuotaExceededError (429, with retry-after and the reset time) when one would be exceeded.

    This is the one write before the upstream call, on purpose: a check now and a count with the
    result would let concurrent requests all pass the same check and overspend. The store's add is
    atomic and cheap instead (one conditional upsert per counter, or one Redis script). A failed
    request gives it back (`release`); a crash keeps it counted, since the upstream may have billed
    the images already."""
    items = plan(c.quota_settings, principal, spec, request, utcnow())
    if items:
        failed = await c.counters.try_add(items)
        if failed is not None:
            await _record_exceeded(c.sessions, principal, failed)
            raise exceeded(failed)
    return Reservation(principal_id=principal.user_id, images=request.n, items=tuple(items))


async def _record_exceeded(
    sessions: async_sessionmaker[AsyncSession], principal: Principal, item: CounterItem
) -> None:
    # The quota_exhaustion alert rule reads these; the counter key names no person, only its kind.
    kind, subject, _, period = item.key.split(":")[:4]
    async with sessions.begin() as session:
        await record(
            session,
            action=AuditAction.QUOTA_EXCEEDED,
            actor_id=principal.user_id,
            outcome="denied",
            data={
                "quota": f"{kind}:{subject}:{period}",
                "limit": item.limit,
                "api_key_id": principal.api_key_id,
            },
        )


async def release(c: QuotaContext, reservation: Reservation) -> None:
    """Give back a reservation whose request produced no images."""
    if reservation.items:
        await c.counters.subtract(reservation.items)


def plan(
    cfg: QuotaSettings, principal: Principal, spec: ModelSpec, request: ImageRequest, now: datetime
) -> list[CounterItem]:
    """Every counter this request adds to (pure: no I/O)."""
    items = _images(f"user:{principal.user_id}", cfg.per_user, request.n, now)
    if principal.api_key_id:
        items += _images(f"key:{principal.api_key_id}", cfg.per_key, request.n, now)
    for group in sorted(principal.groups):
        quota = cfg.groups.get(group)
        if quota is None:
            continue
        items += _images(f"group:{group}", quota, request.n, now)
        if quota.budget_usd_per_month is not None:
            cost = image_price_micro(spec.upstream_id, request.size, request.quality) * request.n
            limit = int(quota.budget_usd_per_month * MICRO)
            items.append(CounterItem(f"usd:group:{group}:m:{now:%Y-%m}", cost, limit, month_end(now)))
    return items


def _images(subject: str, limits: ImageLimits, n: int, now: datetime) -> list[CounterItem]:
    items = []
    if limits.per_day is not None:
        items.append(CounterItem(f"img:{subject}:d:{now:%Y-%m-%d}", n, limits.per_day, day_end(now)))
    if limits.per_month is not None:
        items.append(CounterItem(f"img:{subject}:m:{now:%Y-%m}", n, limits.per_month, month_end(now)))
    return items


def day_end(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def month_end(now: datetime) -> datetime:
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def exceeded(item: CounterItem, now: datetime | None = None) -> QuotaExceededError:
    kind, subject = item.key.split(":")[0], item.key.split(":")[1]
    period = "daily" if ":d:" in item.key else "monthly"
    what = (
        f"budget of ${Decimal(item.limit) / MICRO:.2f}" if kind == "usd" else f"image quota of {item.limit}"
    )
    reset = item.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    retry = int((item.expires_at - (now or utcnow())).total_seconds())
    error = QuotaExceededError(
        f"This request would exceed {_LABELS.get(subject, 'a')} {period} {what}. It resets at {reset}.",
        retry_after_s=retry,
        reset_at=reset,
    )
    error.headers["x-limner-quota-reset"] = reset
    return error
