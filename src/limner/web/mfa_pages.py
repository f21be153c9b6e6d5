"""MFA pages: the second step of sign-in (and step-up), TOTP enrolment with a QR code, recovery codes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from limner.deps import identity_context
from limner.errors import AuthenticationError, PermissionDeniedError, QuotaExceededError
from limner.identity.authentication import SessionRef, session_ref
from limner.identity.mfa import routes as mfa_routes
from limner.identity.mfa import totp
from limner.identity.mfa.schemas import CodeBody
from limner.identity.sessions import login
from limner.identity.sessions.cookies import set_session_cookies
from limner.identity.sessions.login import MfaMethod
from limner.web.forms import FieldError, text
from limner.web.pages import Page, VisitorDep
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
METHODS: dict[str, MfaMethod] = {"totp": "totp", "recovery_code": "recovery_code", "passkey": "passkey"}


def safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/mfa")
async def mfa_form(page: VisitorDep, next: str = "/") -> Response:
    ref = await session_ref(page.request, identity_context(page.c))
    async with page.c.sessions.begin() as session:
        factors = await totp.factors(session, ref.user_id)
    if not factors:
        return RedirectResponse("/mfa/enrol", status_code=303)
    return await _verify_page(page, factors, safe_next(next))


async def _verify_page(
    page: Page, factors: list[str], next_url: str, error: FieldError | None = None
) -> Response:
    errors = [error] if error else []
    return await render(
        page,
        "signin/mfa.html",
        status=400 if errors else 200,
        title="Verify it's you",
        factors=factors,
        next_url=next_url,
        errors=errors,
    )


@router.post("/mfa")
async def mfa_verify(page: VisitorDep) -> Response:
    identity = identity_context(page.c)
    ref = await session_ref(page.request, identity)
    form = await page.request.form()
    method = METHODS.get(text(form, "method"), "totp")
    code, next_url = text(form, "code"), safe_next(text(form, "next"))
    credential = credential_field(form) if method == "passkey" else None
    try:
        _has_answer(method, code, credential)
        issued = await login.verify_mfa(
            identity, token=ref.token, method=method, code=code, credential=credential
        )
    except (AuthenticationError, QuotaExceededError) as exc:
        async with page.c.sessions.begin() as session:
            factors = await totp.factors(session, ref.user_id)
        field = "passkey" if method == "passkey" else "code"
        return await _verify_page(page, factors, next_url, FieldError(field, exc.message))
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookies(response, issued, identity_context(page.c).cookies)
    return response


def _has_answer(method: str, code: str, credential: dict[str, Any] | None) -> None:
    if method == "passkey" and credential is None:
        raise AuthenticationError("Your browser did not use a passkey. Try again, or use a code")
    if method != "passkey" and not code:
        raise AuthenticationError("Enter the code from your authenticator app")


@router.get("/mfa/enrol")
async def enrol_form(page: VisitorDep) -> Response:
    ref = await session_ref(page.request, identity_context(page.c))
    return await enrol_page(page, ref)


async def enrol_page(
    page: Page, ref: SessionRef, error: FieldError | None = None, name: str = ""
) -> Response:
    """The first factor: an authenticator app (QR code), or a passkey (limner.web.passkey_pages)."""
    try:
        enrolment = await mfa_routes.begin_totp(ref, identity_context(page.c))
    except PermissionDeniedError:  # already has a factor: verify it instead
        return RedirectResponse("/mfa", status_code=303)
    return await render(
        page,
        "signin/enrol.html",
        status=400 if error else 200,
        title="Set up your authenticator app",
        secret=enrolment.secret,
        qr_svg=enrolment.qr_svg,
        name=name,
        errors=[error] if error else [],
    )


@router.post("/mfa/enrol")
async def enrol_confirm(page: VisitorDep) -> Response:
    identity = identity_context(page.c)
    ref = await session_ref(page.request, identity)
    code = text(await page.request.form(), "code")
    carrier = Response()
    try:
        result = await mfa_routes.confirm_totp(CodeBody(code=code or "0"), ref, carrier, identity)
    except AuthenticationError:
        mismatch = "The code did not match. Scan the new QR code and try again"
        return await enrol_page(page, ref, FieldError("code", mismatch))
    response = await render(
        page,
        "signin/recovery.html",
        title="Save your recovery codes",
        codes=result.recovery_codes or [],
        factor="authenticator app",
        continue_url="/",
    )
    carry_cookies(carrier, response)
    return response


def credential_field(form: FormData, name: str = "credential") -> dict[str, Any] | None:
    """The WebAuthn response the page's script put in a hidden field, as JSON; None if absent or not JSON."""
    raw = form.get(name)
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def carry_cookies(source: Response, target: Response) -> None:
    for name, value in source.raw_headers:
        if name == b"set-cookie":
            target.raw_headers.append((name, value))
