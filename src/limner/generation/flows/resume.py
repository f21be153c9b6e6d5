"""After a reviewer approves: run the held request (prompt holds) or release its images (image holds)."""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.errors import LimnerError, NotFoundError
from limner.generation import service as generation
from limner.generation.flows.prepare import Opened
from limner.generation.flows.run import run_generation
from limner.identity.accounts.models import User
from limner.identity.principals import load_principal
from limner.identity.schemas import Principal
from limner.imaging.actions import Action
from limner.imaging.catalog import find_model
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.imaging.requests import REQUEST_PARAMS, ImageRequest, InputImage, Operation
from limner.policy.schemas import Decision
from limner.provenance.base import SourceImage
from limner.review import service as review
from limner.review.models import ReviewItem
from limner.review.webhook import send_decision_webhook
from limner.vault.service import existing_data_key, get_sealed

log = logging.getLogger("limner.review")


async def decide_and_resume(
    c: Components, *, review_id: str, reviewer: Principal, verdict: str, reason: str, request_id: str
) -> None:
    """One reviewer's verdict; once it settles the item, the webhook and the held request follow.
    A request whose requester (or their data key) is gone is refused before any verdict is recorded."""
    async with c.sessions() as session:
        await _requester(c, session, review_id)
    async with c.sessions.begin() as session:
        item = await review.decide(
            session,
            review_id=review_id,
            reviewer=reviewer,
            verdict=verdict,
            reason=reason,
            request_id=request_id,
        )
    if item.status != "pending":
        await send_decision_webhook(c.settings.review, item)
    await resume_after_review(c, review_id, request_id=request_id)


async def resume_after_review(c: Components, review_id: str, *, request_id: str) -> None:
    async with c.sessions() as session:
        item, row, owner, key = await _requester(c, session, review_id)
        images, mask = await generation.load_inputs(session, c.blob_store, key, generation_id=row.id)
        source = await _edited_image(c, session, row, key)
        principal = await load_principal(
            session,
            owner,
            key=None,
            secret_key=c.secret_key,
            custom_roles=c.settings.identity.custom_roles,
            access=c.settings.identity.access,
        )
    if item.status != "approved":
        return
    if item.source == "image":
        await _release_images(c, item, request_id)
        return
    spec = find_model(c.settings.generation.models, row.model)
    prompt = generation.open_prompt(row, key)
    request = held_request(row, spec.upstream_id, prompt, images, mask, user=principal.pseudonym)
    opened = Opened(row.id, key, Decision(action=Action.ALLOW, policy_version=row.policy_version), source)
    try:
        response_format = str(row.params["response_format"])
        await run_generation(c, principal, spec, opened, request, response_format, request_id)
    except LimnerError as exc:  # the failure is recorded on the generation; the reviewer's decision stands
        log.warning("approved review %s failed upstream: %s", review_id, exc.code)


def held_request(
    row: Generation,
    upstream_model: str,
    prompt: str | None,
    images: tuple[InputImage, ...],
    mask: InputImage | None,
    *,
    user: str | None,
) -> ImageRequest:
    """The request as it was held: its stored parameters (see `request_params`), prompt and images."""
    params = {name: row.params[name] for name in REQUEST_PARAMS if row.params.get(name) is not None}
    return ImageRequest(
        operation=cast(Operation, row.operation),
        model=upstream_model,
        prompt=prompt,
        **{**params, "n": int(row.params["n"])},
        images=images,
        mask=mask,
        user=user,
    )


async def _release_images(c: Components, item: ReviewItem, request_id: str) -> None:
    async with c.sessions.begin() as session:
        row = await generation.get_generation(session, item.generation_id)
        generation.finish(row, status=GenerationStatus.COMPLETED, upstream_ms=row.upstream_ms)
        await record(
            session,
            action=AuditAction.IMAGE_RELEASED,
            subject_type="generation",
            subject_id=row.id,
            request_id=request_id,
            data={"review_id": item.id},
        )


async def _edited_image(
    c: Components, session: AsyncSession, row: Generation, key: bytes
) -> SourceImage | None:
    """The signed file a held workspace edit changes, so that the result still names it as its C2PA
    parent after review. None when the request edits no stored image or that image is gone since."""
    parent = await session.get(ImageRecord, row.parent_image_id) if row.parent_image_id else None
    if parent is None or parent.owner_id != row.owner_id:  # only an image's owner edits it
        return None
    data = await get_sealed(c.blob_store, key, owner_id=parent.owner_id, blob_id=parent.id)
    return SourceImage(parent.id, data, parent.format)


async def _requester(
    c: Components, session: AsyncSession, review_id: str
) -> tuple[ReviewItem, Generation, User, bytes]:
    item = await review.get_item(session, review_id)
    row = await generation.get_generation(session, item.generation_id)
    owner = await session.get(User, row.owner_id)
    key = await existing_data_key(session, c.key_provider, owner_id=row.owner_id)
    if owner is None or key is None:
        raise NotFoundError("The requester of this review no longer exists.")
    return item, row, owner, key
