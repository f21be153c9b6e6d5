"""Annotated dependencies: handlers read like signatures.

`require_recent_mfa(max_age_s)` is for sensitive actions (prompt reveal, audit export, policy change):

    @router.post("/v1/limner/audit/export",
                 dependencies=[Depends(require(Permission.AUDIT_EXPORT)), Depends(require_recent_mfa(300))])

It passes only for a session whose last MFA is at most `max_age_s` old; otherwise 403 with code
`mfa_step_up_required`. The browser then calls POST /v1/limner/auth/mfa/verify and retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.errors import PermissionDeniedError
from limner.identity.authentication import SessionRef, authenticate_request, session_ref
from limner.identity.context import IdentityContext
from limner.identity.mfa.passkeys import RelyingParty
from limner.identity.mfa.policy import check_step_up
from limner.identity.schemas import Principal
from limner.identity.sessions.cookies import SessionCookies
from limner.settings import Settings

# The marker the authorization-matrix test reads: any live session, even one still owing MFA.
ANY_SESSION = "session"


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_settings(components: ComponentsDep) -> Settings:
    return components.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(components: ComponentsDep) -> AsyncIterator[AsyncSession]:
    async with components.sessions.begin() as session:  # commit on success, rollback on error
        yield session


# scope="function": the transaction commits before the response is sent, so a client that got a 2xx reads
# what it wrote, and a failed commit is the response (FastAPI's default ends it after the response).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def request_id(request: Request) -> str:
    value: str = request.state.request_id
    return value


RequestIdDep = Annotated[str, Depends(request_id)]


def identity_context(components: Components) -> IdentityContext:
    """Identity's narrow view of the app: its sessions, key, settings section and principal cache."""
    settings = components.settings
    return IdentityContext(
        sessions=components.sessions,
        secret_key=components.secret_key,
        settings=settings.identity,
        principals=components.principals,
        cookies=SessionCookies.for_env(settings.identity.sessions, settings.env),
        relying_party=RelyingParty.from_settings(settings.identity.mfa, settings.public_url),
        public_url=settings.public_url,
    )


async def get_identity(components: ComponentsDep) -> IdentityContext:
    return identity_context(components)


IdentityDep = Annotated[IdentityContext, Depends(get_identity)]


async def get_principal(request: Request, identity: IdentityDep) -> Principal:
    return await authenticate_request(request, identity)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A route dependency that refuses callers without `permission` (403 naming it)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise PermissionDeniedError(f"You lack the permission '{permission}'.")
        return principal

    check.required_permission = permission  # type: ignore[attr-defined]
    return check


async def any_session(request: Request, identity: IdentityDep) -> SessionRef:
    """The caller's browser session, complete or half-authenticated (for MFA routes), CSRF-checked."""
    return await session_ref(request, identity)


any_session.required_permission = ANY_SESSION  # type: ignore[attr-defined]
SessionRefDep = Annotated[SessionRef, Depends(any_session)]


def require_recent_mfa(max_age_s: int | None = None) -> Callable[[Principal, Settings], Principal]:
    """A route dependency: the caller completed MFA within `max_age_s` seconds (step-up); None
    reads identity.mfa.step_up_max_age_s."""

    def check(principal: PrincipalDep, settings: SettingsDep) -> Principal:  # pages call it too
        return check_step_up(principal, settings.identity.mfa, max_age_s)

    check.max_mfa_age_s = max_age_s  # type: ignore[attr-defined]
    check.step_up = True  # type: ignore[attr-defined]  # read by the authorization-matrix test
    return check


# Sensitive actions: prompt reveal, audit export, data exports, erasure, legal holds, account changes.
STEP_UP = Depends(require_recent_mfa())
