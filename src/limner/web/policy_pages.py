"""The prompt-policy editor: YAML checked by line and field, a dry run against stored prompts, and
saving a new active version under step-up MFA. The same policy services as `limner policy`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse

from limner.db import utcnow
from limner.deps import require_recent_mfa
from limner.errors import ConfigError, PermissionDeniedError
from limner.generation.flows.replay import replay_prompts
from limner.identity.schemas import Permission
from limner.policy import service as policy_service
from limner.policy.document import parse_policy
from limner.policy.dry_run import DryRunReport
from limner.web.forms import FieldError, raw_text
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PolicyPage = Depends(require_page(Permission.POLICY_MANAGE))
STEP_UP_S = 300
DRY_RUN_DAYS = 30


def _fresh(page: Page) -> bool:
    try:
        require_recent_mfa(STEP_UP_S)(page.user, page.c.settings)
    except PermissionDeniedError:
        return False
    return True


@router.get("/admin/policy")
async def editor(page: Page = PolicyPage) -> Response:
    if not _fresh(page):
        return RedirectResponse("/mfa?next=/admin/policy", status_code=303)
    async with page.c.sessions() as session:
        active = await policy_service.active_policy(session)
    text = active.document if active else policy_service.default_policy_text()
    return await _page(page, text)


@router.post("/admin/policy")
async def check_or_save(page: Page = PolicyPage) -> Response:
    form = await page.request.form()
    document, action = raw_text(form, "document"), raw_text(form, "action")
    try:
        parse_policy(document)
    except ConfigError as exc:
        return await _page(page, document, errors=[FieldError("document", exc.message)])
    if action != "save":
        since = utcnow() - timedelta(days=DRY_RUN_DAYS)
        report = await replay_prompts(page.c, candidate_text=document, since=since)
        return await _page(page, document, report=report)
    if not _fresh(page):
        message = "Saving a policy needs a recent verification: sign in again with your code, then save"
        return await _page(page, document, errors=[FieldError("document", message)])
    async with page.c.sessions.begin() as session:
        row = await policy_service.save_policy(session, text=document, actor_id=page.user.user_id)
    return await _page(page, document, saved=row.version)


async def _page(
    page: Page,
    document: str,
    *,
    errors: list[FieldError] | None = None,
    report: DryRunReport | None = None,
    saved: str | None = None,
) -> Response:
    async with page.c.sessions() as session:
        versions = list(await policy_service.list_policies(session))
    return await render(
        page, "admin/policy.html", status=400 if errors else 200, title="Prompt policy", document=document,
        errors=errors or [], report=report, saved=saved, versions=versions[::-1][:10], days=DRY_RUN_DAYS,
    )  # fmt: skip
