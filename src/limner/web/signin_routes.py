"""Sign-in pages: `/` (sign-in for a visitor, Generate once signed in), password sign-in, sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from limner.deps import any_session, identity_context
from limner.errors import AuthenticationError, PermissionDeniedError, QuotaExceededError
from limner.identity.authentication import authenticate_request, client_ip
from limner.identity.schemas import Permission
from limner.identity.sessions import login
from limner.identity.sessions import routes as auth_routes
from limner.identity.sessions.cookies import session_token, set_session_cookies
from limner.web.forms import FieldError, text
from limner.web.generate_routes import generate_page
from limner.web.pages import Page, VisitorDep
from limner.web.render import render
from limner.web.route import MFA, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ENROL = "/mfa/enrol"


@router.get("/")
async def home(page: VisitorDep) -> Response:
    """Generate for a signed-in person; the sign-in form for anyone else."""
    try:
        principal = await authenticate_request(page.request, identity_context(page.c))
    except AuthenticationError as exc:
        if exc.code == "mfa_required":
            return RedirectResponse(MFA, status_code=303)
        return await sign_in_form(page)
    if not principal.can(Permission.IMAGES_GENERATE):
        return RedirectResponse("/gallery", status_code=303)  # reviewers, auditors, viewers
    return await generate_page(Page(page.request, page.c, principal, page.csrf_token))


async def sign_in_form(page: Page, *, email: str = "", errors: list[FieldError] | None = None) -> Response:
    providers = [p.name for p in page.c.settings.identity.oidc]
    return await render(
        page,
        "signin/signin.html",
        status=400 if errors else 200,
        title="Sign in",
        email=email,
        errors=errors or [],
        providers=providers,
    )


@router.post("/signin")
async def sign_in(page: VisitorDep) -> Response:
    if not same_origin(
        page.request, page.c.settings.public_url
    ):  # login CSRF: another site signing you in to its account
        raise PermissionDeniedError("Sign in from Limner's own sign-in page.", code="cross_site_sign_in")
    form = await page.request.form()
    email, password = text(form, "email"), str(form.get("password") or "")
    errors = _missing(email, password)
    if errors:
        return await sign_in_form(page, email=email, errors=errors)
    try:
        outcome = await login.password_login(
            identity_context(page.c),
            email=email,
            password=password,
            client_ip=client_ip(page.request),
            old_token=session_token(page.request, page.c.settings.identity.sessions),
        )
    except (AuthenticationError, QuotaExceededError) as exc:
        return await sign_in_form(page, email=email, errors=[FieldError("email", exc.message)])
    target = "/" if outcome.status == "ok" else (MFA if outcome.factors else ENROL)
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, outcome.issued, identity_context(page.c).cookies)
    return response


def same_origin(request: Request, public_url: str) -> bool:
    """Fetch metadata first (every current browser sends it, whatever the referrer policy); then Origin.
    A request with neither (an old browser, a script) is allowed: the password is still needed."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    ours = {request.headers.get("host", ""), urlsplit(public_url).netloc}  # direct, or behind a proxy
    return urlsplit(origin).netloc in ours


def _missing(email: str, password: str) -> list[FieldError]:
    errors = []
    if not email:
        errors.append(FieldError("email", "Enter your email address"))
    if not password:
        errors.append(FieldError("password", "Enter your password"))
    return errors


@router.post("/signout")
async def sign_out(request: Request, page: VisitorDep) -> Response:
    ref = await any_session(request, identity_context(page.c))
    response = RedirectResponse("/", status_code=303)
    async with page.c.sessions.begin() as session:
        await auth_routes.sign_out(ref, response, identity_context(page.c), session)
    return response
