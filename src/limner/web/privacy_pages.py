"""My data (download everything, ask for erasure) and the privacy team's page (erasure requests, legal
holds, retention). The same privacy services as the API and `limner privacy`."""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse

from limner.deps import require_recent_mfa
from limner.errors import ConflictError, LimnerError, NotFoundError, PermissionDeniedError
from limner.identity.accounts.service import list_users, require_user
from limner.identity.schemas import Permission
from limner.privacy import holds
from limner.privacy.flows import erase_user, export_user
from limner.privacy.requests import pending_requests, request_erasure, requested_at
from limner.web.forms import FieldError, text
from limner.web.pages import Page, PageDep, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PrivacyPage = Depends(require_page(Permission.PRIVACY_MANAGE))
STEP_UP_S = 300


@router.get("/my-data")
async def my_data(page: PageDep) -> Response:
    return await _mine(page)


@router.post("/my-data/export")
async def export_mine(page: PageDep) -> Response:
    buffer = io.BytesIO()
    await export_user(
        page.c, buffer, email=page.user.email, actor_id=page.user.user_id, request_id=page.request_id
    )
    headers = {"content-disposition": 'attachment; filename="my-limner-data.zip"'}
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)


@router.post("/my-data/erasure")
async def ask_for_erasure(page: PageDep) -> Response:
    form = await page.request.form()
    if form.get("confirm") != "yes":
        return await _mine(page, errors=[FieldError("confirm", "Confirm that you want your data erased")])
    async with page.c.sessions.begin() as session:
        await request_erasure(session, user_id=page.user.user_id, request_id=page.request_id)
    return RedirectResponse("/my-data", status_code=303)


async def _mine(page: Page, *, errors: list[FieldError] | None = None) -> Response:
    async with page.c.sessions() as session:
        asked = await requested_at(session, page.user.user_id)
    return await render(
        page,
        "privacy/mine.html",
        status=400 if errors else 200,
        title="My data",
        asked=asked,
        errors=errors or [],
    )


@router.get("/admin/privacy")
async def privacy_admin(page: Page = PrivacyPage) -> Response:
    return await _admin(page)


@router.post("/admin/privacy/erasures")
async def erase(page: Page = PrivacyPage) -> Response:
    form = await page.request.form()
    email = text(form, "email")
    try:
        require_recent_mfa(STEP_UP_S)(page.user, page.c.settings)
    except PermissionDeniedError:
        return RedirectResponse("/mfa?next=/admin/privacy", status_code=303)
    try:
        await erase_user(page.c, email=email, actor_id=page.user.user_id)
    except (ConflictError, NotFoundError, PermissionDeniedError) as exc:
        return await _admin(page, errors=[FieldError("requests", exc.message)])
    return RedirectResponse("/admin/privacy", status_code=303)


@router.post("/admin/privacy/holds")
async def add_hold(page: Page = PrivacyPage) -> Response:
    form = await page.request.form()
    values = {"hold_email": text(form, "hold_email"), "reason": text(form, "reason")}
    try:
        async with page.c.sessions.begin() as session:
            user = await require_user(session, email=values["hold_email"])
            await holds.add_hold(session, scope="user", reason=values["reason"], actor_id=page.user.user_id,
                                 user_id=user.id)  # fmt: skip
    except NotFoundError as exc:
        return await _admin(page, errors=[FieldError("hold_email", exc.message)], form=values)
    except LimnerError as exc:
        return await _admin(page, errors=[FieldError("reason", exc.message)], form=values)
    return RedirectResponse("/admin/privacy", status_code=303)


@router.post("/admin/privacy/holds/{hold_id}/release")
async def release_hold(hold_id: str, page: Page = PrivacyPage) -> Response:
    async with page.c.sessions.begin() as session:
        await holds.release_hold(session, hold_id=hold_id, actor_id=page.user.user_id)
    return RedirectResponse("/admin/privacy", status_code=303)


async def _admin(
    page: Page, *, errors: list[FieldError] | None = None, form: dict[str, str] | None = None
) -> Response:
    async with page.c.sessions() as session:
        requests = await pending_requests(session)
        active = list(await holds.list_holds(session))
        emails = {u.id: u.email for u in await list_users(session)}
    return await render(
        page, "privacy/admin.html", status=400 if errors else 200, title="Privacy", requests=requests,
        holds=active, emails=emails, retention=page.c.settings.privacy.retention, errors=errors or [],
        form=form or {},
    )  # fmt: skip
