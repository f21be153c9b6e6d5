"""The review routes that reach into a generation: an item with its released images, a decision
(which resumes the held request), the prompt and the images of an item. The queue listing and the
notifications are review/routes.py's, under the same prefix."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, RequestIdDep, SessionDep, require
from limner.errors import NotFoundError
from limner.generation import service as generation
from limner.generation.flows.resume import decide_and_resume
from limner.generation.routes.images import MEDIA_TYPES, image_data
from limner.identity.schemas import Permission
from limner.imaging.records import Generation, GenerationStatus
from limner.imaging.responses import ImageData
from limner.review import service as review
from limner.review.schemas import DecisionBody, RevealedPrompt, ReviewRead
from limner.vault.service import existing_data_key, get_sealed

router = APIRouter(prefix="/v1/limner/reviews")
DECIDE = [Depends(require(Permission.REVIEW_DECIDE))]


@router.get("/{review_id}", dependencies=[Depends(require(Permission.IMAGES_READ))])
async def get_review(
    review_id: str, c: ComponentsDep, session: SessionDep, principal: PrincipalDep
) -> ReviewRead:
    item = await review.get_visible_item(session, review_id, principal)
    row = await generation.get_generation(session, item.generation_id)
    data = None
    if item.status == "approved" and row.status == GenerationStatus.COMPLETED:
        data = await _released_images(c, session, row)
    return await review.describe_item(session, item, principal, secret_key=c.secret_key, data=data)


@router.post("/{review_id}/decision", dependencies=DECIDE)
async def decide_review(
    review_id: str, body: DecisionBody, c: ComponentsDep, principal: PrincipalDep, request_id: RequestIdDep
) -> ReviewRead:
    await decide_and_resume(
        c,
        review_id=review_id,
        reviewer=principal,
        verdict=body.verdict,
        reason=body.reason,
        request_id=request_id,
    )
    async with c.sessions() as session:
        item = await review.get_item(session, review_id)
        return await review.describe_item(session, item, principal, secret_key=c.secret_key)


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
        action=AuditAction.PROMPT_REVEALED,
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


async def _released_images(c: Components, session: AsyncSession, row: Generation) -> list[ImageData]:
    """An approved item's images, in the response format the request asked for."""
    response_format = str(row.params.get("response_format", "b64_json"))
    key = await existing_data_key(session, c.key_provider, owner_id=row.owner_id)
    out = []
    for rec in await generation.output_images(session, row.id):
        data = await get_sealed(c.blob_store, key, owner_id=row.owner_id, blob_id=rec.id) if key else b""
        out.append(image_data(c, rec.id, data, None, response_format))
    return out
