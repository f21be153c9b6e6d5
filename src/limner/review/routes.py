"""Review queue API: requesters poll their held requests; reviewers list, inspect and decide."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.service import record
from limner.components import Components
from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, RequestIdDep, SessionDep, require
from limner.errors import NotFoundError
from limner.generation import service as generation
from limner.generation.routes import MEDIA_TYPES, image_data
from limner.generation.schemas import ImageData
from limner.identity.accounts.models import User
from limner.identity.keys.tokens import pseudonym
from limner.identity.permissions import Permission, Principal
from limner.review import service as review
from limner.review.flows import resume_after_review, send_webhook
from limner.review.models import ReviewItem
from limner.review.schemas import (
    DecisionBody,
    NotificationPage,
    NotificationRead,
    RevealedPrompt,
    ReviewPage,
    ReviewRead,
)
from limner.vault.service import existing_data_key, get_sealed

router = APIRouter(prefix="/v1/limner/reviews")
DECIDE = [Depends(require(Permission.REVIEW_DECIDE))]


@router.get("", dependencies=DECIDE)
async def list_reviews(
    c: ComponentsDep, session: SessionDep, principal: PrincipalDep, status: str = "pending"
) -> ReviewPage:
    items = await review.list_items(session, status=status)
    return ReviewPage(data=[await _read(c, session, item, principal, with_images=False) for item in items])


@router.get("/{review_id}", dependencies=[Depends(require(Permission.IMAGES_READ))])
async def get_review(
    review_id: str, c: ComponentsDep, session: SessionDep, principal: PrincipalDep
) -> ReviewRead:
    item = await review.get_visible_item(session, review_id, principal)
    return await _read(c, session, item, principal, with_images=True)


@router.post("/{review_id}/decision", dependencies=DECIDE)
async def decide_review(
    review_id: str, body: DecisionBody, c: ComponentsDep, principal: PrincipalDep, request_id: RequestIdDep
) -> ReviewRead:
    async with c.sessions.begin() as session:
        item = await review.decide(
            session,
            review_id=review_id,
            reviewer=principal,
            verdict=body.verdict,
            reason=body.reason,
            request_id=request_id,
        )
    if item.status != "pending":
        await send_webhook(c, item)
    await resume_after_review(c, review_id, request_id=request_id)
    async with c.sessions() as session:
        return await _read(
            c, session, await review.get_item(session, review_id), principal, with_images=False
        )


@router.post("/{review_id}/prompt", dependencies=[*DECIDE, STEP_UP])
async def reveal_prompt(
    review_id: str, c: ComponentsDep, session: SessionDep, principal: PrincipalDep, request_id: RequestIdDep
) -> RevealedPrompt:
    """Decrypted on demand only; every view is an audit event."""
    item = await review.get_item(session, review_id)
    row = await generation.get_generation(session, item.generation_id)
    key = await existing_data_key(session, c.key_provider, owner_id=row.owner_id)
    if key is None:
        raise NotFoundError("The prompt of this review was erased.")
    await record(
        session,
        action="prompt.revealed",
        actor_id=principal.user_id,
        subject_type="generation",
        subject_id=row.id,
        request_id=request_id,
        data={"review_id": item.id, "reason": "review"},
    )
    return RevealedPrompt(prompt=generation.open_prompt(row, key))


@router.get("/{review_id}/images/{index}", dependencies=DECIDE)
async def review_image(review_id: str, index: int, c: ComponentsDep, session: SessionDep) -> Response:
    item = await review.get_item(session, review_id)
    records = await generation.output_images(session, item.generation_id)
    if not 0 <= index < len(records):
        raise NotFoundError("No such image.")
    rec = records[index]
    key = await existing_data_key(session, c.key_provider, owner_id=rec.owner_id)
    if key is None:
        raise NotFoundError("No such image.")
    data = await get_sealed(c.blob_store, key, owner_id=rec.owner_id, blob_id=rec.id)
    return Response(data, media_type=MEDIA_TYPES.get(rec.format, "application/octet-stream"))


async def _read(
    c: Components, session: AsyncSession, item: ReviewItem, principal: Principal, *, with_images: bool
) -> ReviewRead:
    row = await generation.get_generation(session, item.generation_id)
    data = None
    if with_images and item.status == "approved" and row.status == "completed":
        data = await _images(
            c, session, row.id, row.owner_id, str(row.params.get("response_format", "b64_json"))
        )
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
        requester=await _requester(c, session, item, principal),
        generation_status=row.status,
        data=data,
    )


async def _images(
    c: Components, session: AsyncSession, generation_id: str, owner_id: str, response_format: str
) -> list[ImageData]:
    key = await existing_data_key(session, c.key_provider, owner_id=owner_id)
    out = []
    for rec in await generation.output_images(session, generation_id):
        data = await get_sealed(c.blob_store, key, owner_id=owner_id, blob_id=rec.id) if key else b""
        out.append(image_data(c, rec.id, data, None, response_format))
    return out


async def _requester(
    c: Components, session: AsyncSession, item: ReviewItem, principal: Principal
) -> str | None:
    """Reviewers see a pseudonym; only those who may reveal prompts see who asked."""
    if not principal.can(Permission.REVIEW_DECIDE):
        return None
    if principal.can(Permission.PROMPTS_REVEAL):
        user = await session.get(User, item.requester_id)
        return user.email if user else None
    return pseudonym(c.secret_key, item.requester_id)


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
