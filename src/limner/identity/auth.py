"""Who is calling: the identity chain (API key, then session cookie), tried for every request.

The first backend whose credential is present decides; a present but bad credential, or any
exception inside a backend, denies the request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import Request

from limner.components import Components
from limner.db import database_unavailable, reading
from limner.errors import AuthenticationError, LimnerError, PermissionDeniedError, UnavailableError
from limner.identity.cookies import CSRF_HEADER, needs_csrf, session_token
from limner.identity.mfa_policy import mfa_required
from limner.identity.models import ApiKey, User
from limner.identity.permissions import Principal
from limner.identity.principal_cache import current_version
from limner.identity.service import authenticate_api_key, load_principal
from limner.identity.sessions import EXPIRED, csrf_ok, find_session

log = logging.getLogger("limner.identity")
Backend = Callable[[Request, Components], Awaitable[Principal | None]]
MISSING = "You didn't provide an API key. Send it in the Authorization header as 'Bearer lmn_...'."


async def authenticate_request(request: Request, c: Components) -> Principal:
    """Authenticate in a short transaction of its own, so the flow never holds one upstream."""
    for backend in (api_key_backend, session_backend):
        try:
            principal = await backend(request, c)
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


async def api_key_backend(request: Request, c: Components) -> Principal | None:
    """`Authorization: Bearer lmn_...`, or Azure OpenAI clients' `api-key: lmn_...` header."""
    azure_key = request.headers.get("api-key", "").strip()
    if not request.headers.get("authorization") and not azure_key:
        return None
    raw = bearer_token(request) if request.headers.get("authorization") else azure_key
    async with reading(c.sessions) as session:
        version = await current_version(session)
    cached = c.principals.get(raw, secret_key=c.secret_key, version=version)
    if cached is not None:
        return cached
    async with c.sessions.begin() as session:
        version = await current_version(session)
        principal = await authenticate_api_key(
            session,
            raw_key=raw,
            secret_key=c.secret_key,
            client_ip=client_ip(request),
            custom_roles=c.settings.identity.custom_roles,
            access=c.settings.identity.access,
        )
        row = await session.get(ApiKey, principal.api_key_id)
    if row is not None:
        c.principals.put(row, principal, version=version)
    return principal


async def session_backend(request: Request, c: Components) -> Principal | None:
    token = session_token(request, c.settings)
    if token is None:
        return None
    cfg = c.settings.identity
    async with c.sessions.begin() as session:
        row = await find_session(session, token=token, secret_key=c.secret_key, cfg=cfg.sessions)
        user = await session.get(User, row.user_id)
        if user is None or user.status != "active":
            raise AuthenticationError(EXPIRED, code="session_expired")
        principal = await load_principal(
            session,
            user,
            key=None,
            secret_key=c.secret_key,
            custom_roles=cfg.custom_roles,
            mfa_at=row.mfa_at,
            session_id=row.id,
            access=cfg.access,
        )
    if row.mfa_pending or (row.mfa_at is None and mfa_required(principal.roles, cfg.mfa)):
        raise AuthenticationError("Complete multi-factor authentication first.", code="mfa_required")
    if needs_csrf(request) and not csrf_ok(c.secret_key, row, request.headers.get(CSRF_HEADER)):
        raise PermissionDeniedError("The CSRF token is missing or wrong.", code="csrf_failed")
    return principal


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError(MISSING)
    return value.strip()


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
