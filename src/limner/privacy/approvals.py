"""Four-eyes erasure: one privacy officer asks, a different one approves, both steps in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, NotFoundError, PermissionDeniedError
from limner.identity.accounts.models import User
from limner.identity.accounts.service import refuse_self
from limner.privacy.erase import refuse_if_held
from limner.privacy.models import ErasureRequest
from limner.privacy.subjects import find_subject


def request_json(row: ErasureRequest) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


async def request_erasure(
    session: AsyncSession, *, secret_key: bytes, email: str, actor_id: str
) -> ErasureRequest:
    user = await find_subject(session, secret_key=secret_key, email=email)
    refuse_self(actor_id, user.id, "erase")
    await refuse_if_held(session, user.id)
    row = ErasureRequest(user_id=user.id, requested_by=actor_id)
    session.add(row)
    await session.flush()
    await record(
        session,
        action=AuditAction.ERASURE_REQUESTED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        data={"request_id": row.id},
    )
    return row


async def pending_requests(session: AsyncSession) -> list[ErasureRequest]:
    query = select(ErasureRequest).where(ErasureRequest.status == "pending")
    return list((await session.execute(query.order_by(ErasureRequest.created_at))).scalars())


async def subject_email(session: AsyncSession, *, request_id: str, actor_id: str) -> str:
    """The email of the person a pending request would erase, if `actor_id` may approve it."""
    row = await _pending(session, request_id, actor_id)
    user = await session.get(User, row.user_id)
    if user is None:
        raise NotFoundError("The user of this request no longer exists.")
    return user.email


async def mark_approved(session: AsyncSession, *, request_id: str, actor_id: str) -> ErasureRequest:
    """Call after the erasure committed: a refused erasure (a legal hold, say) leaves it pending."""
    row = await _pending(session, request_id, actor_id)
    row.status, row.decided_by, row.decided_at = "approved", actor_id, utcnow()
    await record(
        session,
        action=AuditAction.ERASURE_APPROVED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=row.user_id,
        data={"request_id": row.id},
    )
    return row


async def _pending(session: AsyncSession, request_id: str, actor_id: str) -> ErasureRequest:
    row = await session.get(ErasureRequest, request_id)
    if row is None:
        raise NotFoundError("No such erasure request.")
    if row.status != "pending":
        raise ConflictError(f"This erasure request is already {row.status}.")
    if row.requested_by == actor_id:
        raise PermissionDeniedError(
            "A second person must approve an erasure you requested.", code="same_person"
        )
    return row
