"""The review queue: held items with their findings and SLA, the prompt revealed under step-up MFA,
approve or reject with a reason. Every rule (four eyes, two approvals) is the review API's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.deps import require_recent_mfa
from limner.errors import ConflictError, InvalidRequestError, LimnerError, PermissionDeniedError
from limner.generation import service as generation
from limner.generation.routes import reviews as item_api
from limner.identity.schemas import Permission
from limner.review import routes as review_api
from limner.review import service as review
from limner.review.schemas import DecisionBody, ReviewRead
from limner.templates import service as templates
from limner.templates.service import Published
from limner.web.forms import FieldError, text
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReviewerPage = Depends(require_page(Permission.REVIEW_DECIDE))
STATUSES = ("pending", "approved", "rejected")
REVEAL_MAX_AGE_S = 300


@dataclass(frozen=True, slots=True)
class QueueRow:
    item: ReviewRead
    due_text: str
    overdue: bool


def due_text(due_at: datetime, now: datetime) -> tuple[str, bool]:
    """'due in 5 h' or 'overdue by 2 h' (hours, rounded down; minutes under an hour)."""
    seconds = int((due_at - now).total_seconds())
    amount = abs(seconds) // 3600
    unit = f"{amount} h" if amount else f"{abs(seconds) // 60} min"
    return (f"due in {unit}", False) if seconds >= 0 else (f"overdue by {unit}", True)


@router.get("/review")
async def queue(page: Page = ReviewerPage, status: str = "pending", category: str = "") -> Response:
    status = status if status in STATUSES else "pending"
    async with page.c.sessions() as session:
        listing = await review_api.list_reviews(page.c, session, page.user, status)
    now = utcnow()
    wanted = category.strip()
    rows = [
        QueueRow(item, *due_text(item.due_at, now))
        for item in listing.data
        if not wanted or any(c.startswith(wanted) for c in item.categories)
    ]
    return await render(
        page,
        "review/queue.html",
        title="Review queue",
        rows=rows,
        state=status,
        category=wanted,
        statuses=STATUSES,
    )


@router.get("/review/{review_id}")
async def item_page(review_id: str, page: Page = ReviewerPage) -> Response:
    return await _item(page, review_id)


@router.post("/review/{review_id}/reveal")
async def reveal(review_id: str, page: Page = ReviewerPage) -> Response:
    try:
        require_recent_mfa(REVEAL_MAX_AGE_S)(page.user, page.c.settings)
    except PermissionDeniedError:
        return RedirectResponse(f"/mfa?next=/review/{review_id}", status_code=303)
    async with page.c.sessions.begin() as session:
        revealed = await item_api.reveal_prompt(review_id, page.c, session, page.user, page.request_id)
    return await _item(page, review_id, prompt=revealed.prompt or "")


@router.post("/review/{review_id}")
async def decide(review_id: str, page: Page = ReviewerPage) -> Response:
    form = await page.request.form()
    verdict, reason = text(form, "verdict"), text(form, "reason")
    if not reason:
        missing = [FieldError("reason", "Enter the reason for your decision")]
        return await _item(page, review_id, errors=missing, reason=reason)
    try:
        body = DecisionBody.model_validate({"verdict": verdict, "reason": reason})
        await item_api.decide_review(review_id, body, page.c, page.user, page.request_id)
    except (ValueError, InvalidRequestError, ConflictError, PermissionDeniedError) as exc:
        message = exc.message if isinstance(exc, LimnerError) else "Choose approve or reject"
        return await _item(page, review_id, errors=[FieldError("reason", message)], reason=reason)
    return RedirectResponse(f"/review/{review_id}?decided=1", status_code=303)


async def _item(
    page: Page,
    review_id: str,
    *,
    prompt: str | None = None,
    errors: list[FieldError] | None = None,
    reason: str = "",
) -> Response:
    async with page.c.sessions() as session:
        item = await item_api.get_review(review_id, page.c, session, page.user)
        origin_version_id, origin = await _template_of(session, review_id)
    text_due, overdue = due_text(item.due_at, utcnow())
    return await render(
        page,
        "review/item.html",
        status=400 if errors else 200,
        title=f"Review {item.id}",
        item=item,
        due_text=text_due,
        overdue=overdue,
        origin_version_id=origin_version_id,
        origin=origin,
        prompt=prompt,
        errors=errors or [],
        reason=reason,
        decided=page.request.query_params.get("decided") == "1",
    )


async def _template_of(session: AsyncSession, review_id: str) -> tuple[str | None, Published | None]:
    """The template version the held request was started from (its id, and the version while kept)."""
    held = await generation.get_generation(session, (await review.get_item(session, review_id)).generation_id)
    return held.template_version_id, await templates.version_of(session, held.template_version_id)
