"""Auditor search: filter events by user, action, decision and time; newest first, cursor-paginated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditEvent
from limner.errors import NotFoundError
from limner.identity.accounts.models import User


@dataclass(frozen=True, slots=True)
class EventFilter:
    user_id: str | None = None
    action: str | None = None  # exact, or a prefix ending in "*" ("image.*")
    decision: str | None = None  # the event's outcome: allow, block, review, failed, ok ...
    since: datetime | None = None
    until: datetime | None = None


async def resolve_user(session: AsyncSession, user: str | None) -> str | None:
    """An email or a user id to a user id; an unknown email is an error, not an empty result."""
    if not user or "@" not in user:
        return user or None
    row = (await session.execute(select(User.id).where(User.email == user.strip().lower()))).scalar()
    if row is None:
        raise NotFoundError(f"no user with email {user}")
    return row


def _filtered(query: Select[AuditEvent], f: EventFilter) -> Select[AuditEvent]:
    if f.user_id:
        by_subject = (AuditEvent.subject_type == "user") & (AuditEvent.subject_id == f.user_id)
        query = query.where(or_(AuditEvent.actor_id == f.user_id, by_subject))
    if f.action:
        is_prefix = f.action.endswith("*")
        cond = AuditEvent.action.startswith(f.action[:-1]) if is_prefix else AuditEvent.action == f.action
        query = query.where(cond)
    if f.decision:
        query = query.where(AuditEvent.outcome == f.decision)
    if f.since:
        query = query.where(AuditEvent.at >= f.since)
    if f.until:
        query = query.where(AuditEvent.at < f.until)
    return query


async def search_events(
    session: AsyncSession, f: EventFilter, *, cursor: int | None = None, limit: int = 100
) -> tuple[Sequence[AuditEvent], int | None]:
    """A page of events (newest first) and the cursor for the next page, or None at the end."""
    query = _filtered(select(AuditEvent), f)
    if cursor is not None:
        query = query.where(AuditEvent.seq < cursor)
    rows = (await session.execute(query.order_by(AuditEvent.seq.desc()).limit(limit + 1))).scalars().all()
    more = len(rows) > limit
    page = rows[:limit]
    return page, (page[-1].seq if more and page else None)


async def iter_events(
    session: AsyncSession, f: EventFilter, *, batch: int = 5000
) -> AsyncIterator[AuditEvent]:
    """Every matching event, oldest first, streamed (for exports)."""
    query = _filtered(select(AuditEvent), f).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    result = await session.stream_scalars(query)
    async for row in result:
        yield row
