"""Who is calling: the identity chain (API key, then session cookie), tried for every request.

The first backend whose credential is present decides; a present but bad credential, or any
exception inside a backend, denies the request. Authentication only reads, in sessions that do not
take SQLite's write lock; a key's last use and a session's idle timer are written in a short
transaction of their own, at most once a minute."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from limner.db import database_unavailable, reading
from limner.errors import AuthenticationError, LimnerError, PermissionDeniedError, UnavailableError
from limner.identity.context import IdentityContext
from limner.identity.keys.models import ApiKey
from limner.identity.mfa.policy import mfa_required
from limner.identity.principal_cache import current_version
from limner.identity.principals import authenticate_api_key, key_needs_touch, load_principal, touch_api_key
from limner.identity.schemas import Principal
from limner.identity.sessions.cookies import CSRF_HEADER, needs_csrf, session_token
from limner.identity.sessions.models import AuthSession
from limner.identity.sessions.service import csrf_ok, find_signed_in, needs_touch, touch_session

log = logging.getLogger("limner.identity")
Backend = Callable[[Request, IdentityContext], Awaitable[Principal | None]]
MISSING = "You didn't provide an API key. Send it in the Authorization header as 'Bearer lmn_...'."


@dataclass(frozen=True, slots=True)
class SessionRef:
    token: str
    user_id: str
    mfa_pending: bool


async def authenticate_request(request: Request, ctx: IdentityContext) -> Principal:
    """Authenticate in short sessions of its own, so the flow never holds one upstream."""
    for backend in (api_key_backend, session_backend):
        try:
            principal = await backend(request, ctx)
        except LimnerError:
            raise
        except Exception as exc:  # a broken backend must deny, never fall through to the next one
            log.error("identity backend %s failed: %s", backend.__name__, type(exc).__name__)
            if database_unavailable(exc):  # deny with the truth: the key may well be fine
                raise UnavailableError(
                    "The database is not reachable; try again shortly.", headers={"retry-after": "1"}
                ) from exc
            raise AuthenticationError("We could not verify your credentials.") from exc
        if principal is not None:
            return principal
    raise AuthenticationError(MISSING)


async def api_key_backend(request: Request, ctx: IdentityContext) -> Principal | None:
    """`Authorization: Bearer lmn_...`, or Azure OpenAI clients' `api-key: lmn_...` header."""
    azure_key = request.headers.get("api-key", "").strip()
    if not request.headers.get("authorization") and not azure_key:
        return None
    raw = bearer_token(request) if request.headers.get("authorization") else azure_key
    async with reading(ctx.sessions) as session:
        version = await current_version(session)
        cached = ctx.principals.get(raw, secret_key=ctx.secret_key, version=version)
        if cached is not None:
            return cached
        principal = await authenticate_api_key(
            session,
            raw_key=raw,
            secret_key=ctx.secret_key,
            custom_roles=ctx.settings.custom_roles,
            access=ctx.settings.access,
        )
        row = await session.get(ApiKey, principal.api_key_id)
    if row is not None:
        ctx.principals.put(row, principal, version=version)
        if key_needs_touch(row, client_ip(request)):
            async with ctx.sessions.begin() as session:
                await touch_api_key(session, row.id, client_ip(request))
    return principal


async def session_backend(request: Request, ctx: IdentityContext) -> Principal | None:
    token = session_token(request, ctx.settings.sessions)
    if token is None:
        return None
    cfg = ctx.settings
    async with reading(ctx.sessions) as session:
        row, user = await find_signed_in(
            session, token=token, secret_key=ctx.secret_key, cfg=cfg.sessions, touch=False
        )
        principal = await load_principal(
            session,
            user,
            key=None,
            secret_key=ctx.secret_key,
            custom_roles=cfg.custom_roles,
            mfa_at=row.mfa_at,
            session_id=row.id,
            access=cfg.access,
        )
    if row.mfa_pending or (row.mfa_at is None and mfa_required(principal.roles, cfg.mfa)):
        raise AuthenticationError("Complete multi-factor authentication first.", code="mfa_required")
    _check_csrf(request, ctx, row)
    await _keep_alive(ctx, row)
    return principal


async def session_ref(request: Request, ctx: IdentityContext) -> SessionRef:
    """The caller's browser session, complete or half-authenticated (for MFA routes), CSRF-checked."""
    token = session_token(request, ctx.settings.sessions)
    if token is None:
        raise AuthenticationError("Sign in first.", code="not_signed_in")
    async with reading(ctx.sessions) as session:
        row, _ = await find_signed_in(
            session, token=token, secret_key=ctx.secret_key, cfg=ctx.settings.sessions, touch=False
        )
    _check_csrf(request, ctx, row)
    await _keep_alive(ctx, row)
    return SessionRef(token=token, user_id=row.user_id, mfa_pending=row.mfa_pending)


def _check_csrf(request: Request, ctx: IdentityContext, row: AuthSession) -> None:
    if needs_csrf(request) and not csrf_ok(ctx.secret_key, row, request.headers.get(CSRF_HEADER)):
        raise PermissionDeniedError("The CSRF token is missing or wrong.", code="csrf_failed")


async def _keep_alive(ctx: IdentityContext, row: AuthSession) -> None:
    # Writing the idle timer on every request would queue every request for the write lock.
    if needs_touch(row):
        async with ctx.sessions.begin() as session:
            await touch_session(session, row.id)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(MISSING)
    return value.strip()


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
