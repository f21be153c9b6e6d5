"""Audit service: append events to the chain. There is deliberately no update or delete here."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.chain import GENESIS, event_hash
from limner.audit.models import AuditEvent
from limner.db import new_id, utcnow

_PG_CHAIN_LOCK = 7_321_004  # advisory lock id: one writer extends the chain at a time


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor_id: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    request_id: str | None = None,
    outcome: str = "ok",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. `data` holds hashes, ids and categories,
    never prompt text, image bytes or credentials."""
    await _lock_chain(session)
    last = (await session.execute(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))).scalar()
    event = AuditEvent(
        id=new_id(),
        at=utcnow().astimezone(UTC),
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        request_id=request_id,
        data=data or {},
        prev_hash=last or GENESIS,
    )
    event.hash = event_hash(event.prev_hash, hashed_fields(event))
    session.add(event)
    await session.flush()
    return event


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "action": event.action,
        "outcome": event.outcome,
        "actor_id": event.actor_id,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "request_id": event.request_id,
        "data": event.data,
    }


async def _lock_chain(session: AsyncSession) -> None:
    # SQLite transactions begin IMMEDIATE, which already serialises writers.
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
