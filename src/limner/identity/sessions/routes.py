"""Sign-in API (JSON; the web UI calls the same flows): login, logout, sign out everywhere, me, reset."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.deps import IdentityDep, PrincipalDep, SessionDep, SessionRefDep, any_session, require
from limner.identity.accounts.resets import complete_reset
from limner.identity.authentication import client_ip
from limner.identity.schemas import AUTHENTICATED, Principal
from limner.identity.sessions import login
from limner.identity.sessions.cookies import clear_session_cookies, session_token, set_session_cookies
from limner.identity.sessions.schemas import LoginBody, LoginResult, Me, ResetBody
from limner.identity.sessions.service import end_session, end_user_sessions, find_session

router = APIRouter(prefix="/v1/limner/auth", tags=["auth"])


@router.post("/login")
async def sign_in(body: LoginBody, request: Request, response: Response, ctx: IdentityDep) -> LoginResult:
    outcome = await login.password_login(
        ctx,
        email=body.email,
        password=body.password,
        client_ip=client_ip(request),
        old_token=session_token(request, ctx.settings.sessions),
    )
    set_session_cookies(response, outcome.issued, ctx.cookies)
    return LoginResult(status=outcome.status, csrf_token=outcome.issued.csrf_token, factors=outcome.factors)


@router.post("/logout", dependencies=[Depends(any_session)])
async def sign_out(
    ref: SessionRefDep, response: Response, ctx: IdentityDep, session: SessionDep
) -> dict[str, str]:
    row = await find_session(session, token=ref.token, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)
    end_session(row)
    await record(session, action=AuditAction.AUTH_LOGOUT, actor_id=ref.user_id)
    clear_session_cookies(response, ctx.cookies)
    return {"status": "signed_out"}


@router.post("/logout-everywhere", dependencies=[Depends(require(AUTHENTICATED))])
async def sign_out_everywhere(
    principal: PrincipalDep, response: Response, ctx: IdentityDep, session: SessionDep
) -> dict[str, object]:
    ended = await end_user_sessions(session, principal.user_id)
    await record(
        session, action=AuditAction.AUTH_LOGOUT_ALL, actor_id=principal.user_id, data={"sessions": ended}
    )
    if principal.via == "session":
        clear_session_cookies(response, ctx.cookies)
    return {"status": "signed_out", "sessions_ended": ended}


@router.get("/me", dependencies=[Depends(require(AUTHENTICATED))])
async def me(principal: PrincipalDep) -> Me:
    return _me(principal)


@router.post("/password-reset")
async def reset_password(body: ResetBody, ctx: IdentityDep, session: SessionDep) -> dict[str, str]:
    await complete_reset(
        session,
        token=body.token,
        new_password=body.new_password,
        secret_key=ctx.secret_key,
        cfg=ctx.settings,
    )
    return {"status": "password_changed"}


def _me(p: Principal) -> Me:
    return Me(
        id=p.user_id,
        email=p.email,
        roles=sorted(p.roles),
        groups=sorted(p.groups),
        permissions=sorted(p.permissions),
        via=p.via,
        mfa_at=p.mfa_at,
    )
