"""Usage statistics from the records Limner already keeps: generations, their output images, review
outcomes, and the price table. Grouped per person, group, API key, model or day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.errors import InvalidRequestError
from limner.identity.accounts.models import Group, GroupMember, User
from limner.imaging.catalog import ModelSpec
from limner.imaging.records import Generation, ImageRecord
from limner.review.models import ReviewItem
from limner.usage.costs import image_price

Dimension = Literal["user", "group", "model", "key", "day"]
DIMENSIONS: tuple[Dimension, ...] = ("user", "group", "model", "key", "day")
_COUNTED = {"block": "blocked", "warn": "warned", "redact": "redacted", "review": "held"}
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
COUNT_FIELDS = ("blocked", "warned", "redacted", "held", "approved", "rejected")


def parse_period(text: str) -> timedelta:
    """'30d', '12h' or '90m' as a timedelta."""
    if len(text) < 2 or text[-1] not in _UNITS or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise InvalidRequestError(
            f"A period is a number and a unit (d, h, m), e.g. 30d; got {text!r}.", param="since"
        )
    return timedelta(**{_UNITS[text[-1]]: int(text[:-1])})


@dataclass(slots=True)
class UsageRow:
    key: str
    day: str | None = None
    requests: int = 0
    images: int = 0
    cost: Decimal = Decimal(0)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS, 0))

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"key": self.key}
        if self.day is not None:
            row["day"] = self.day
        row |= {"requests": self.requests, "images": self.images, "cost_usd": float(round(self.cost, 6))}
        return row | self.counts


@dataclass(frozen=True, slots=True)
class _Gen:
    owner_id: str
    api_key_id: str | None
    model: str
    params: dict[str, Any]
    decision: str
    created_at: datetime
    images: int
    review: str | None


async def usage(
    session: AsyncSession,
    *,
    by: Dimension,
    since: datetime,
    until: datetime,
    catalog: list[ModelSpec],
    daily: bool = False,
) -> list[UsageRow]:
    """Rows keyed by `by` (and by UTC day when `daily`), most expensive first. Groups are today's
    memberships; a person in two groups counts in both."""
    gens = await _generations(session, since, until)
    labels = await _labels(session, by, {g.owner_id for g in gens})
    upstream = {spec.id: spec.upstream_id for spec in catalog}
    rows: dict[tuple[str, str | None], UsageRow] = {}
    for gen in gens:
        day = f"{gen.created_at:%Y-%m-%d}"
        for key in _keys(by, gen, labels, day):
            row_day = day if daily and by != "day" else None
            row = rows.setdefault((key, row_day), UsageRow(key, row_day))
            _add(row, gen, upstream.get(gen.model, gen.model))
    return sorted(rows.values(), key=lambda r: (-r.cost, -r.images, r.key, r.day or ""))


def _add(row: UsageRow, gen: _Gen, upstream_id: str) -> None:
    row.requests += 1
    row.images += gen.images
    price = image_price(upstream_id, gen.params.get("size"), gen.params.get("quality"))
    row.cost += price * gen.images
    if gen.decision in _COUNTED:
        row.counts[_COUNTED[gen.decision]] += 1
    if gen.review in ("approved", "rejected"):
        row.counts[gen.review] += 1


def _keys(by: Dimension, gen: _Gen, labels: dict[str, list[str]], day: str) -> Iterable[str]:
    match by:
        case "user" | "group":
            return labels.get(gen.owner_id, ["(no group)" if by == "group" else gen.owner_id])
        case "model":
            return [gen.model]
        case "key":
            return [gen.api_key_id or "(web session)"]
        case "day":
            return [day]


async def _generations(session: AsyncSession, since: datetime, until: datetime) -> list[_Gen]:
    images = (
        select(ImageRecord.generation_id, func.count().label("n"))
        .where(ImageRecord.role == "output")
        .group_by(ImageRecord.generation_id)
        .subquery()
    )
    query = (
        select(
            Generation.owner_id,
            Generation.api_key_id,
            Generation.model,
            Generation.params,
            Generation.decision,
            Generation.created_at,
            images.c.n,
            ReviewItem.status,
        )
        .outerjoin(images, images.c.generation_id == Generation.id)
        .outerjoin(ReviewItem, ReviewItem.generation_id == Generation.id)
        .where(Generation.created_at >= since, Generation.created_at < until)
    )
    return [
        _Gen(owner, key, model, params or {}, decision, at, int(n or 0), review)
        for owner, key, model, params, decision, at, n, review in await session.execute(query)
    ]


async def _labels(session: AsyncSession, by: Dimension, owners: set[str]) -> dict[str, list[str]]:
    if by == "user" and owners:
        query = select(User.id, User.email).where(User.id.in_(owners))
        return {uid: [email] for uid, email in await session.execute(query)}
    if by == "group" and owners:
        labels: dict[str, list[str]] = defaultdict(list)
        query = (
            select(GroupMember.user_id, Group.name)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.user_id.in_(owners))
            .order_by(Group.name)
        )
        for uid, name in await session.execute(query):
            labels[uid].append(name)
        return dict(labels)
    return {}
