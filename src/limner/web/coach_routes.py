"""POST /coach: the live prompt check the Generate page runs as the person types (debounced)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from limner.generation.flows import check_text
from limner.identity.schemas import Permission
from limner.web.coach import coach_report
from limner.web.forms import raw_text
from limner.web.pages import Page, require_page
from limner.web.render import render_fragment
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_COACH_CHARS = 32_000


@router.post("/coach")
async def coach(page: Page = Depends(require_page(Permission.IMAGES_GENERATE))) -> Response:
    """The same engine and rules as a real request; nothing is stored or audited (nothing was sent)."""
    prompt = raw_text(await page.request.form(), "prompt")[:MAX_COACH_CHARS]
    report = None
    if prompt.strip():
        report = coach_report(prompt, await check_text(page.c, page.user, prompt, stage="prompt"))
    return render_fragment(page, "generate/coach.html", report=report)
