"""Review queue API: reviewers list the queue; everyone reads their notifications. The routes that
reach into a generation (an item with its images, a decision that resumes the request, the prompt
and image of an item) are the pipeline's: generation/routes/reviews.py, under the same prefix."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from limner.deps import ComponentsDep, PrincipalDep, SessionDep, require
from limner.identity.schemas import Permission
from limner.review import service as review
from limner.review.schemas import NotificationPage, NotificationRead, ReviewPage

router = APIRouter(prefix="/v1/limner/reviews")
DECIDE = [Depends(require(Permission.REVIEW_DECIDE))]


@router.get("", dependencies=DECIDE)
async def list_reviews(
    c: ComponentsDep, session: SessionDep, principal: PrincipalDep, status: str = "pending"
) -> ReviewPage:
    items = await review.list_items(session, status=status)
    return ReviewPage(
        data=[await review.describe_item(session, item, principal, secret_key=c.secret_key) for item in items]
    )


notifications_router = APIRouter(prefix="/v1/limner/notifications")


@notifications_router.get("", dependencies=[Depends(require(Permission.IMAGES_READ))])
async def list_notifications(session: SessionDep, principal: PrincipalDep) -> NotificationPage:
    rows = await review.list_notifications(session, user_id=principal.user_id)
    return NotificationPage(
        data=[
            NotificationRead(
                id=n.id,
                kind=n.kind,
                subject_id=n.subject_id,
                message=n.message,
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in rows
        ]
    )
