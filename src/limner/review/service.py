"""Review queue services: enqueue, list, decide (four eyes), escalate. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from limner.identity.accounts.models import User
from limner.identity.keys.service import pseudonym
from limner.identity.schemas import Permission, Principal
from limner.imaging.records import Generation
from limner.imaging.responses import ImageData
from limner.review.config import ReviewSettings
from limner.review.models import Notification, ReviewDecision, ReviewItem
from limner.review.schemas import ReviewRead

VERDICTS = ("approve", "reject")


async def enqueue(
    session: AsyncSession,
    *,
    generation_id: str,
    requester_id: str,
    source: str,
    categories: list[str],
    settings: ReviewSettings,
    request_id: str | None = None,
) -> ReviewItem:
    needs_two = any(fnmatchcase(c, p) for c in categories for p in settings.two_person_categories)
    item = ReviewItem(
        generation_id=generation_id,
        requester_id=requester_id,
        source=source,
        categories=categories,
        required_approvals=2 if needs_two else 1,
        due_at=utcnow() + timedelta(hours=settings.sla_hours),
    )
    session.add(item)
    await session.flush()
    await record(
        session,
        action=AuditAction.REVIEW_ENQUEUED,
        actor_id=requester_id,
        subject_type="review",
        subject_id=item.id,
        request_id=request_id,
        data={
            "generation_id": generation_id,
            "source": source,
            "categories": categories,
            "required_approvals": item.required_approvals,
        },
    )
    return item


async def get_item(session: AsyncSession, review_id: str, *, lock: bool = False) -> ReviewItem:
    query = select(ReviewItem).where(ReviewItem.id == review_id)
    item = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if item is None:
        raise NotFoundError("No such review.")
    return item


async def get_visible_item(session: AsyncSession, review_id: str, principal: Principal) -> ReviewItem:
    """Requesters see their own items and reviewers see all; anyone else gets the same 404."""
    item = await get_item(session, review_id)
    if item.requester_id != principal.user_id and not principal.can(Permission.REVIEW_DECIDE):
        raise NotFoundError("No such review.")
    return item


async def list_items(
    session: AsyncSession, *, status: str = "pending", limit: int = 50, before: datetime | None = None
) -> Sequence[ReviewItem]:
    query = select(ReviewItem).where(ReviewItem.status == status)
    if before is not None:
        query = query.where(ReviewItem.created_at < before)
    return (await session.execute(query.order_by(ReviewItem.created_at.desc()).limit(limit))).scalars().all()


async def decide(
    session: AsyncSession,
    *,
    review_id: str,
    reviewer: Principal,
    verdict: str,
    reason: str,
    request_id: str | None = None,
) -> ReviewItem:
    """Record one reviewer's verdict. Nobody decides their own request; a decided item is a 409;
    the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent reviewers queue."""
    _check_verdict(verdict, reason)
    item = await get_item(session, review_id, lock=True)
    if item.requester_id == reviewer.user_id:
        raise PermissionDeniedError("You cannot review your own request.")
    if item.status != "pending":
        raise ConflictError(f"This review was already {item.status}.")
    if await _has_voted(session, item.id, reviewer.user_id):
        raise ConflictError("You already recorded a decision on this review; a second reviewer must decide.")
    session.add(
        ReviewDecision(review_id=item.id, reviewer_id=reviewer.user_id, verdict=verdict, reason=reason)
    )
    await session.flush()
    await _settle(session, item, verdict)
    await record(
        session,
        action=AuditAction.REVIEW_DECIDED,
        actor_id=reviewer.user_id,
        subject_type="review",
        subject_id=item.id,
        request_id=request_id,
        outcome=verdict,
        data={"status": item.status, "generation_id": item.generation_id},
    )
    return item


def _check_verdict(verdict: str, reason: str) -> None:
    if verdict not in VERDICTS:
        raise InvalidRequestError("verdict must be 'approve' or 'reject'.", param="verdict")
    if not reason.strip():
        raise InvalidRequestError("A reason is required.", param="reason")


async def _has_voted(session: AsyncSession, review_id: str, reviewer_id: str) -> bool:
    query = select(func.count()).where(
        ReviewDecision.review_id == review_id, ReviewDecision.reviewer_id == reviewer_id
    )
    return bool((await session.execute(query)).scalar_one())


async def _settle(session: AsyncSession, item: ReviewItem, verdict: str) -> None:
    if verdict == "reject":
        item.status, item.decided_at = "rejected", utcnow()
    else:
        approvals = (
            await session.execute(
                select(func.count()).where(
                    ReviewDecision.review_id == item.id, ReviewDecision.verdict == "approve"
                )
            )
        ).scalar_one()
        if approvals >= item.required_approvals:
            item.status, item.decided_at = "approved", utcnow()
    if item.status != "pending":
        notify(
            session,
            user_id=item.requester_id,
            kind=f"review.{item.status}",
            subject_id=item.id,
            message=f"Your held image request was {item.status}.",
        )


async def escalate_overdue(session: AsyncSession, *, now: datetime | None = None) -> list[ReviewItem]:
    """Mark pending items past their SLA as escalated, once, and audit it."""
    now = now or utcnow()
    query = select(ReviewItem).where(
        ReviewItem.status == "pending", ReviewItem.escalated_at.is_(None), ReviewItem.due_at < now
    )
    items = list((await session.execute(query)).scalars().all())
    for item in items:
        item.escalated_at = now
        await record(
            session,
            action=AuditAction.REVIEW_ESCALATED,
            subject_type="review",
            subject_id=item.id,
            data={"due_at": item.due_at.isoformat()},
        )
    return items


async def describe_item(
    session: AsyncSession,
    item: ReviewItem,
    principal: Principal,
    *,
    secret_key: bytes,
    data: list[ImageData] | None = None,
) -> ReviewRead:
    """The API view of an item; `data` holds the released images of an approved one."""
    row = await session.get(Generation, item.generation_id)
    if row is None:
        raise NotFoundError("No such generation.")
    return ReviewRead(
        id=item.id,
        status=item.status,
        source=item.source,
        categories=item.categories,
        required_approvals=item.required_approvals,
        created_at=item.created_at,
        due_at=item.due_at,
        escalated=item.escalated_at is not None,
        decided_at=item.decided_at,
        requester=await _requester(session, item, principal, secret_key),
        generation_status=row.status,
        data=data,
    )


async def _requester(
    session: AsyncSession, item: ReviewItem, principal: Principal, secret_key: bytes
) -> str | None:
    """Reviewers see a pseudonym; only those who may reveal prompts see who asked."""
    if not principal.can(Permission.REVIEW_DECIDE):
        return None
    if principal.can(Permission.PROMPTS_REVEAL):
        user = await session.get(User, item.requester_id)
        return user.email if user else None
    return pseudonym(secret_key, item.requester_id)


def notify(session: AsyncSession, *, user_id: str, kind: str, subject_id: str, message: str) -> None:
    session.add(Notification(user_id=user_id, kind=kind, subject_id=subject_id, message=message))


async def list_notifications(session: AsyncSession, *, user_id: str) -> Sequence[Notification]:
    query = (
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.created_at.desc())
    )
    return (await session.execute(query.limit(100))).scalars().all()
