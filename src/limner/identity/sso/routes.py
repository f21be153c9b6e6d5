"""SSO routes: GET /v1/limner/auth/oidc/{provider}/login (redirect to the IdP) and /callback."""

from __future__ import annotations

import hmac

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from limner.deps import IdentityDep
from limner.errors import NotFoundError
from limner.identity.authentication import client_ip
from limner.identity.config import OidcProviderConfig
from limner.identity.context import IdentityContext
from limner.identity.sessions import login
from limner.identity.sessions.cookies import session_token, set_session_cookies
from limner.identity.sso import oidc
from limner.identity.sso import service as sso

router = APIRouter(prefix="/v1/limner/auth/oidc", tags=["sso"])
STATE_COOKIE = "limner_oidc_state"
AFTER_LOGIN = "/"


@router.get("/{provider}/login")
async def sso_login(provider: str, ctx: IdentityDep) -> RedirectResponse:
    cfg = _provider(ctx, provider)
    async with _http(cfg) as http:
        meta = await oidc.discover(cfg, http)
    auth = oidc.authorization_request(cfg, meta, _redirect_uri(ctx, provider))
    async with ctx.sessions.begin() as session:
        await sso.save_state(session, auth, provider=provider, secret_key=ctx.secret_key)
    response = RedirectResponse(auth.url, status_code=302)
    # Binds the state to this browser: a callback link sent to someone else cannot sign them in.
    ctx.cookies.set(
        response,
        STATE_COOKIE,
        auth.state,
        max_age=int(sso.STATE_TTL.total_seconds()),
        path="/v1/limner/auth/oidc",
    )
    return response


@router.get("/{provider}/callback")
async def sso_callback(provider: str, request: Request, ctx: IdentityDep) -> RedirectResponse:
    cfg = _provider(ctx, provider)
    state, code = request.query_params.get("state", ""), request.query_params.get("code", "")
    if request.query_params.get("error") or not code:
        raise oidc.sso_failed(f"provider returned error {request.query_params.get('error', 'no code')[:40]}")
    if not hmac.compare_digest(state.encode(), request.cookies.get(STATE_COOKIE, "").encode()):
        raise oidc.sso_failed("state does not match this browser")
    async with ctx.sessions.begin() as session:
        pending = await sso.take_state(session, state=state, provider=provider, secret_key=ctx.secret_key)
    async with _http(cfg) as http:
        meta = await oidc.discover(cfg, http)
        claims = await oidc.exchange_code(
            cfg,
            meta,
            http,
            code=code,
            redirect_uri=_redirect_uri(ctx, provider),
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    return await _sign_in(ctx, cfg, claims, request)


async def _sign_in(
    ctx: IdentityContext, cfg: OidcProviderConfig, claims: dict[str, object], request: Request
) -> RedirectResponse:
    async with ctx.sessions.begin() as session:
        user = await sso.user_for_claims(session, cfg, claims, custom_roles=ctx.settings.custom_roles)
        outcome = await login.signed_in(
            ctx,
            session,
            user,
            method=f"oidc:{cfg.name}",
            client_ip=client_ip(request),
            old_token=session_token(request, ctx.settings.sessions),
        )
    target = AFTER_LOGIN if outcome.status == "ok" else f"{AFTER_LOGIN}?mfa=required"
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, outcome.issued, ctx.cookies)
    response.delete_cookie(STATE_COOKIE, path="/v1/limner/auth/oidc")
    return response


def _provider(ctx: IdentityContext, name: str) -> OidcProviderConfig:
    for cfg in ctx.settings.oidc:
        if cfg.name == name:
            return cfg
    raise NotFoundError(f"no single sign-on provider named {name}")


def _redirect_uri(ctx: IdentityContext, provider: str) -> str:
    return f"{ctx.public_url.rstrip('/')}/v1/limner/auth/oidc/{provider}/callback"


def _http(cfg: OidcProviderConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=cfg.http_timeout_s, follow_redirects=False)
