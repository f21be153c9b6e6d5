"""Passkey pages: a signed-in person lists their passkeys, adds one (WebAuthn in the browser, verified by the
API's flow) and removes one under step-up. The browser's part is in static/limner.js."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from limner.deps import identity_context
from limner.errors import AuthenticationError, PermissionDeniedError
from limner.identity.authentication import session_ref
from limner.identity.mfa import passkeys
from limner.identity.mfa import routes as mfa_routes
from limner.identity.mfa.schemas import MfaResult, PasskeyRegisterBody
from limner.web.forms import FieldError, text
from limner.web.mfa_pages import carry_cookies, credential_field, enrol_page
from limner.web.pages import Page, PageDep, VisitorDep
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PASSKEYS = "/account/passkeys"
NOT_CREATED = "Your browser did not create a passkey. Try again, or use another device"
NOT_VERIFIED = "The passkey could not be verified. Try again, or use another device"
NAME_MAX = 200
ADD_BUTTON = "add-passkey"  # the error summary links to the button that starts the ceremony


@router.get(PASSKEYS)
async def passkeys_page(page: PageDep, added: str = "", removed: str = "") -> Response:
    notice = "Passkey added." if added else ("Passkey removed." if removed else "")
    return await _page(page, notice=notice)


async def _page(
    page: Page, *, name: str = "", errors: list[FieldError] | None = None, notice: str = ""
) -> Response:
    async with page.c.sessions.begin() as session:
        rows = await passkeys.list_passkeys(session, page.user.user_id)
    return await render(
        page,
        "signin/passkeys.html",
        status=400 if errors else 200,
        title="Passkeys",
        passkeys=rows,
        name=name,
        errors=errors or [],
        notice=notice,
    )


@router.post(PASSKEYS)
async def add_passkey(page: PageDep) -> Response:
    """Verify the attestation (the API's flow); a failure writes no passkey and says so on the page."""
    form = await page.request.form()
    name = text(form, "name")[:NAME_MAX]
    outcome = await _register(page, name, credential_field(form))
    if isinstance(outcome, str):
        return await _page(page, name=name, errors=[FieldError(ADD_BUTTON, outcome)])
    result, carrier = outcome
    if result.recovery_codes:  # the person's first factor: recovery codes, shown once
        response = await _recovery_codes(page, result, continue_url=PASSKEYS)
    else:
        response = RedirectResponse(f"{PASSKEYS}?added=1", status_code=303)
    carry_cookies(carrier, response)  # the session was rotated: new cookies
    return response


@router.post("/mfa/enrol/passkey")
async def enrol_passkey(page: VisitorDep) -> Response:
    """A first factor at first sign-in (a half-signed-in session may enrol only its first one)."""
    form = await page.request.form()
    name = text(form, "name")[:NAME_MAX]
    outcome = await _register(page, name, credential_field(form))
    if isinstance(outcome, str):
        ref = await session_ref(page.request, identity_context(page.c))
        return await enrol_page(page, ref, FieldError(ADD_BUTTON, outcome), name=name)
    result, carrier = outcome
    response = await _recovery_codes(page, result, continue_url="/")
    carry_cookies(carrier, response)
    return response


async def _register(
    page: Page, name: str, credential: dict[str, Any] | None
) -> tuple[MfaResult, Response] | str:
    """(the API's result, a response carrying the rotated session's cookies), or why it failed."""
    if credential is None:
        return NOT_CREATED
    identity = identity_context(page.c)
    ref, carrier = await session_ref(page.request, identity), Response()
    body = PasskeyRegisterBody(credential=credential, name=name or "passkey")
    try:
        return await mfa_routes.passkey_register(body, ref, carrier, identity), carrier
    except AuthenticationError:
        return NOT_VERIFIED


async def _recovery_codes(page: Page, result: MfaResult, *, continue_url: str) -> Response:
    rotated = Page(page.request, page.c, page.principal, result.csrf_token)
    return await render(
        rotated,
        "signin/recovery.html",
        title="Save your recovery codes",
        codes=result.recovery_codes or [],
        factor="passkey",
        continue_url=continue_url,
    )


@router.post(PASSKEYS + "/{passkey_id}/remove")
async def remove_passkey(passkey_id: str, page: PageDep) -> Response:
    """Step-up first (as the API requires): without a recent verification, verify and come back."""
    identity = identity_context(page.c)
    try:
        await mfa_routes.passkey_remove(passkey_id, await session_ref(page.request, identity), identity)
    except PermissionDeniedError as exc:
        if exc.code != "mfa_step_up_required":
            raise
        return RedirectResponse(f"/mfa?next={PASSKEYS}", status_code=303)
    return RedirectResponse(f"{PASSKEYS}?removed=1", status_code=303)
