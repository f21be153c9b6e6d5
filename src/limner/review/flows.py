"""After a reviewer approves: run the held request (prompt holds) or release its images (image holds)."""

from __future__ import annotations

import json
import logging
from typing import cast

import httpx

from limner.audit.service import record
from limner.components import Components
from limner.errors import LimnerError, NotFoundError
from limner.generation import service as generation
from limner.generation.flows import Opened, run_generation
from limner.identity.accounts.models import User
from limner.identity.principals import load_principal
from limner.imaging.actions import Action
from limner.imaging.catalog import find_model
from limner.imaging.requests import ImageRequest, Operation
from limner.policy.decision import Decision
from limner.review import service as review
from limner.review.models import ReviewItem
from limner.vault.service import existing_data_key
from limner.webhooks import signed_headers

log = logging.getLogger("limner.review")


async def resume_after_review(c: Components, review_id: str, *, request_id: str) -> None:
    async with c.sessions() as session:
        item = await review.get_item(session, review_id)
        row = await generation.get_generation(session, item.generation_id)
        owner = await session.get(User, row.owner_id)
        key = await existing_data_key(session, c.key_provider, owner_id=row.owner_id)
        if owner is None or key is None:
            raise NotFoundError("The requester of this review no longer exists.")
        images, mask = await generation.load_inputs(session, c.blob_store, key, generation_id=row.id)
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
    p = row.params
    request = ImageRequest(
        operation=cast(Operation, row.operation),
        model=spec.upstream_id,
        prompt=generation.open_prompt(row, key),
        n=int(p["n"]),
        size=p.get("size"),
        quality=p.get("quality"),
        style=p.get("style"),
        background=p.get("background"),
        output_format=p.get("output_format") or "png",
        output_compression=p.get("output_compression"),
        moderation=p.get("moderation"),
        images=images,
        mask=mask,
        user=principal.pseudonym,
    )
    opened = Opened(row.id, key, Decision(action=Action.ALLOW, policy_version=row.policy_version))
    try:
        await run_generation(c, principal, spec, opened, request, str(p["response_format"]), request_id)
    except LimnerError as exc:  # the failure is recorded on the generation; the reviewer's decision stands
        log.warning("approved review %s failed upstream: %s", review_id, exc.code)


async def _release_images(c: Components, item: ReviewItem, request_id: str) -> None:
    async with c.sessions.begin() as session:
        row = await generation.get_generation(session, item.generation_id)
        generation.finish(row, status="completed", upstream_ms=row.upstream_ms)
        await record(
            session,
            action="image.released",
            subject_type="generation",
            subject_id=row.id,
            request_id=request_id,
            data={"review_id": item.id},
        )


async def send_webhook(c: Components, item: ReviewItem) -> None:
    """Best effort, after commit: the workspace notification is the record; the webhook is a courtesy."""
    settings = c.settings.review
    if not settings.webhook_url:
        return
    body = json.dumps(
        {"type": f"review.{item.status}", "review_id": item.id, "generation_id": item.generation_id}
    ).encode()
    if settings.webhook_secret is None:  # the settings refuse a URL without a secret
        return
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await http.post(
                settings.webhook_url, content=body, headers=signed_headers(settings.webhook_secret, body)
            )
    except httpx.HTTPError as exc:
        log.warning("review webhook failed: %s", type(exc).__name__)
