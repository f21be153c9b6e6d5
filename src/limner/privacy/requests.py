"""Erasure requests from the workspace: a person asks, the privacy team decides. A request is an audit
event, so it needs no table of its own and cannot be quietly dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.identity.accounts.models import User


@dataclass(frozen=True, slots=True)
class ErasureRequest:
    user_id: str
    email: str
    requested_at: datetime


async def request_erasure(session: AsyncSession, *, user_id: str, request_id: str | None = None) -> None:
    await record(
        session,
        action=AuditAction.ERASURE_ASKED,
        actor_id=user_id,
        subject_type="user",
        subject_id=user_id,
        request_id=request_id,
    )


async def pending_requests(session: AsyncSession) -> list[ErasureRequest]:
    """The newest request per person not yet erased (deprovisioned), oldest first."""
    query = (
        select(AuditEvent.subject_id, AuditEvent.at, User.email)
        .join(User, User.id == AuditEvent.subject_id)
        .where(AuditEvent.action == AuditAction.ERASURE_ASKED, User.status != "deprovisioned")
        .order_by(AuditEvent.seq)
    )
    newest = {row[2]: ErasureRequest(str(row[0]), row[2], row[1]) for row in await session.execute(query)}
    return sorted(newest.values(), key=lambda r: r.requested_at)


async def requested_at(session: AsyncSession, user_id: str) -> datetime | None:
    query = (
        select(AuditEvent.at)
        .where(AuditEvent.action == AuditAction.ERASURE_ASKED, AuditEvent.subject_id == user_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar()
