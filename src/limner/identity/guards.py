"""Route dependencies beyond `require(permission)`: the signed-in browser session and step-up MFA.

`require_recent_mfa(max_age_s)` is for sensitive actions (prompt reveal, audit export, policy change):

    @router.post("/v1/limner/audit/export",
                 dependencies=[Depends(require(Permission.AUDIT_EXPORT)), Depends(require_recent_mfa(300))])

It passes only for a session whose last MFA is at most `max_age_s` old; otherwise 403 with code
`mfa_step_up_required`. The browser then calls POST /v1/limner/auth/mfa/verify and retries.
API keys cannot do MFA, so they are refused unless identity.mfa.step_up_allows_api_keys is set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from limner.components import Components
from limner.db import utcnow
from limner.deps import ComponentsDep, PrincipalDep
from limner.errors import AuthenticationError, PermissionDeniedError
from limner.identity.cookies import CSRF_HEADER, needs_csrf, session_token
from limner.identity.models import User
from limner.identity.permissions import Principal
from limner.identity.sessions import EXPIRED, csrf_ok, find_session

# The marker the authorization-matrix test reads: any live session, even one still owing MFA.
ANY_SESSION = "session"


@dataclass(frozen=True, slots=True)
class SessionRef:
    token: str
    user_id: str
    mfa_pending: bool


async def any_session(request: Request, c: ComponentsDep) -> SessionRef:
    """The caller's browser session, complete or half-authenticated (for MFA routes), CSRF-checked."""
    return await session_ref(request, c)


any_session.required_permission = ANY_SESSION  # type: ignore[attr-defined]
SessionRefDep = Annotated[SessionRef, Depends(any_session)]


async def session_ref(request: Request, c: Components) -> SessionRef:
    token = session_token(request, c.settings)
    if token is None:
        raise AuthenticationError("Sign in first.", code="not_signed_in")
    async with c.sessions.begin() as session:
        row = await find_session(
            session, token=token, secret_key=c.secret_key, cfg=c.settings.identity.sessions
        )
        user = await session.get(User, row.user_id)
    if user is None or user.status != "active":
        raise AuthenticationError(EXPIRED, code="session_expired")
    if needs_csrf(request) and not csrf_ok(c.secret_key, row, request.headers.get(CSRF_HEADER)):
        raise PermissionDeniedError("The CSRF token is missing or wrong.", code="csrf_failed")
    return SessionRef(token=token, user_id=row.user_id, mfa_pending=row.mfa_pending)


def require_recent_mfa(max_age_s: int | None = None) -> Callable[[Principal, Components], Principal]:
    """A route dependency: the caller completed MFA within `max_age_s` seconds (step-up); None
    reads identity.mfa.step_up_max_age_s."""

    def check(principal: PrincipalDep, c: ComponentsDep) -> Principal:
        cfg = c.settings.identity.mfa
        if principal.via == "api_key" and cfg.step_up_allows_api_keys:
            return principal
        max_age = timedelta(seconds=max_age_s if max_age_s is not None else cfg.step_up_max_age_s)
        fresh = principal.mfa_at is not None and utcnow() - principal.mfa_at <= max_age
        if principal.via != "session" or not fresh:
            raise PermissionDeniedError(
                "This action needs a recent multi-factor verification. Verify again and retry.",
                code="mfa_step_up_required",
            )
        return principal

    check.max_mfa_age_s = max_age_s  # type: ignore[attr-defined]
    check.step_up = True  # type: ignore[attr-defined]  # read by the authorization-matrix test
    return check


# Sensitive actions: prompt reveal, audit export, data exports, erasure, legal holds, account changes.
STEP_UP = Depends(require_recent_mfa())
