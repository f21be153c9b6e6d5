"""MFA API: verify a factor (sign-in completion and step-up), enrol TOTP and passkeys, recovery codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Response

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.deps import IdentityDep, SessionRefDep, any_session
from limner.errors import AuthenticationError, ConflictError, NotFoundError, PermissionDeniedError
from limner.identity.accounts.models import User
from limner.identity.authentication import SessionRef
from limner.identity.context import IdentityContext
from limner.identity.mfa import passkeys, totp
from limner.identity.mfa.schemas import (
    CodeBody,
    MfaResult,
    MfaVerifyBody,
    PasskeyRead,
    PasskeyRegisterBody,
    TotpEnrolmentRead,
)
from limner.identity.sessions import login
from limner.identity.sessions.cookies import set_session_cookies
from limner.identity.sessions.models import AuthSession
from limner.identity.sessions.service import find_session

FACTOR_CHANGE_MAX_AGE = timedelta(minutes=10)
router = APIRouter(prefix="/v1/limner/auth/mfa", tags=["mfa"], dependencies=[Depends(any_session)])


# Routes that check a recent MFA themselves (_complete); the authorization-matrix test reads this.
STEP_UP_ROUTE = {"x-limner-step-up": True}


@router.post("/verify")
async def verify(body: MfaVerifyBody, ref: SessionRefDep, response: Response, ctx: IdentityDep) -> MfaResult:
    """Complete sign-in (half-authenticated session) or step up (complete one); failures name no factor."""
    issued = await login.verify_mfa(
        ctx, token=ref.token, method=body.method, code=body.code, credential=body.credential
    )
    set_session_cookies(response, issued, ctx.cookies)
    return MfaResult(csrf_token=issued.csrf_token)


@router.post("/passkeys/authenticate/options")
async def passkey_auth_options(ref: SessionRefDep, ctx: IdentityDep) -> dict[str, Any]:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        return await passkeys.authentication_options(session, row, rp=ctx.relying_party)


@router.post("/totp")
async def begin_totp(ref: SessionRefDep, ctx: IdentityDep) -> TotpEnrolmentRead:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        await _may_enrol(session, row)
        user = await session.get(User, row.user_id)
        assert user is not None  # session_ref checked the user
        enrolment = await totp.begin_totp(
            session,
            user_id=user.id,
            email=user.email,
            secret_key=ctx.secret_key,
            issuer=ctx.settings.mfa.issuer,
        )
    return TotpEnrolmentRead(
        secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg, qr_png=enrolment.qr_png
    )


@router.post("/totp/confirm")
async def confirm_totp(body: CodeBody, ref: SessionRefDep, response: Response, ctx: IdentityDep) -> MfaResult:
    """Confirm enrolment with a first code; returns ten recovery codes (shown once) and a rotated session."""
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        ok = await totp.check_totp(
            session, user_id=row.user_id, code=body.code, secret_key=ctx.secret_key, confirming=True
        )
        if ok:
            codes = await totp.new_recovery_codes(session, user_id=row.user_id, secret_key=ctx.secret_key)
            issued = await login.complete_with_new_factor(ctx, session, row, "totp")
    if not ok:
        raise AuthenticationError(login.BAD_MFA, code="mfa_failed")
    set_session_cookies(response, issued, ctx.cookies)
    return MfaResult(csrf_token=issued.csrf_token, recovery_codes=codes)


@router.post("/passkeys/register/options")
async def passkey_register_options(ref: SessionRefDep, ctx: IdentityDep) -> dict[str, Any]:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        await _may_enrol(session, row)
        user = await session.get(User, row.user_id)
        assert user is not None
        return await passkeys.registration_options(
            session, row, email=user.email, display_name=user.display_name, rp=ctx.relying_party
        )


@router.post("/passkeys/register")
async def passkey_register(
    body: PasskeyRegisterBody, ref: SessionRefDep, response: Response, ctx: IdentityDep
) -> MfaResult:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        first = not await totp.factors(session, row.user_id)
        passkey = await passkeys.register(
            session, row, credential=body.credential, name=body.name, rp=ctx.relying_party
        )
        if passkey is not None:
            codes = (
                await totp.new_recovery_codes(session, user_id=row.user_id, secret_key=ctx.secret_key)
                if first
                else None
            )
            issued = await login.complete_with_new_factor(ctx, session, row, "passkey")
    if passkey is None:
        raise AuthenticationError(login.BAD_MFA, code="mfa_failed")
    set_session_cookies(response, issued, ctx.cookies)
    return MfaResult(csrf_token=issued.csrf_token, recovery_codes=codes)


@router.get("/passkeys")
async def passkey_list(ref: SessionRefDep, ctx: IdentityDep) -> list[PasskeyRead]:
    async with ctx.sessions.begin() as session:
        rows = await passkeys.list_passkeys(session, ref.user_id)
        return [PasskeyRead.model_validate(p, from_attributes=True) for p in rows]


@router.delete("/passkeys/{passkey_id}", openapi_extra=STEP_UP_ROUTE)
async def passkey_remove(passkey_id: str, ref: SessionRefDep, ctx: IdentityDep) -> dict[str, str]:
    """Remove one of one's own passkeys (step-up, audited); 404 for an unknown id or another's."""
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        _complete(row)
        if not await passkeys.remove_passkey(session, user_id=row.user_id, passkey_id=passkey_id):
            raise NotFoundError("No such passkey.")
        await record(session, action=AuditAction.MFA_REMOVE, actor_id=row.user_id, data={"method": "passkey"})
    return {"status": "removed"}


@router.post("/recovery-codes", openapi_extra=STEP_UP_ROUTE)
async def regenerate_recovery_codes(ref: SessionRefDep, ctx: IdentityDep) -> dict[str, list[str]]:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        _complete(row)
        if not await totp.factors(session, row.user_id):
            raise ConflictError("Enrol an authenticator app or a passkey first.")
        codes = await totp.new_recovery_codes(session, user_id=row.user_id, secret_key=ctx.secret_key)
        await record(session, action=AuditAction.MFA_RECOVERY_CODES, actor_id=row.user_id)
    return {"recovery_codes": codes}


@router.delete("/totp", openapi_extra=STEP_UP_ROUTE)
async def remove_totp(ref: SessionRefDep, ctx: IdentityDep) -> dict[str, str]:
    async with ctx.sessions.begin() as session:
        row = await _row(ctx, session, ref)
        _complete(row)
        if await totp.remove_totp(session, user_id=row.user_id):
            await record(
                session, action=AuditAction.MFA_REMOVE, actor_id=row.user_id, data={"method": "totp"}
            )
    return {"status": "removed"}


async def _row(ctx: IdentityContext, session: Any, ref: SessionRef) -> AuthSession:
    return await find_session(session, token=ref.token, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)


async def _may_enrol(session: Any, row: AuthSession) -> None:
    # A half-authenticated session may enrol only a user's first factor: otherwise a stolen password
    # would let an attacker add their own authenticator and skip the real one.
    if row.mfa_pending and await totp.factors(session, row.user_id):
        raise PermissionDeniedError("Complete multi-factor authentication first.", code="mfa_required")


def _complete(row: AuthSession) -> None:
    """Changing factors needs a complete session with a recent MFA (step-up), like other sensitive actions."""
    if row.mfa_pending:
        raise PermissionDeniedError("Complete multi-factor authentication first.", code="mfa_required")
    if row.mfa_at is None or utcnow() - row.mfa_at > FACTOR_CHANGE_MAX_AGE:
        raise PermissionDeniedError(
            "This action needs a recent multi-factor verification. Verify again and retry.",
            code="mfa_step_up_required",
        )
