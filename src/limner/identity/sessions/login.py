"""Sign-in flows: password, then MFA when required. Each opens its own transactions, so a failed
attempt is counted and audited even though the request fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import AuthenticationError, QuotaExceededError
from limner.identity.accounts.groups import effective_roles
from limner.identity.accounts.models import User
from limner.identity.accounts.passwords import verify_password
from limner.identity.accounts.service import find_user
from limner.identity.config import IdentitySettings
from limner.identity.context import IdentityContext
from limner.identity.mfa import passkeys, totp
from limner.identity.mfa.policy import mfa_required
from limner.identity.sessions import throttle
from limner.identity.sessions.models import AuthSession
from limner.identity.sessions.service import (
    IssuedSession,
    end_session,
    find_session,
    find_signed_in,
    rotate_after_mfa,
    start_session,
)

BAD_LOGIN = "Incorrect email or password."
BAD_MFA = "The verification failed. Try again."
MfaMethod = Literal["totp", "recovery_code", "passkey"]


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    status: Literal["ok", "mfa_required"]
    issued: IssuedSession
    factors: list[str]  # enrolled factors; empty with mfa_required means "enrol one now"


async def password_login(
    ctx: IdentityContext, *, email: str, password: str, client_ip: str | None, old_token: str | None
) -> LoginOutcome:
    cfg = ctx.settings
    keys = [throttle.throttle_key(ctx.secret_key, "acct", email)]
    if client_ip:
        keys.append(throttle.throttle_key(ctx.secret_key, "ip", client_ip))
    async with ctx.sessions.begin() as session:
        wait = await throttle.wait_seconds(session, keys)
    if wait:
        raise _throttled(wait)
    async with ctx.sessions.begin() as session:
        user = await find_user(session, email=email)
        # Verify even for unknown users (against dummy_hash()): the same answer in the same time.
        matched = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
        if not matched or user is None or user.status != "active" or user.kind != "person":
            actor_id = user.id if user else None
            data = {"method": "password", "client_ip": client_ip}
            await _failed(session, keys, cfg, action=AuditAction.AUTH_LOGIN, actor_id=actor_id, data=data)
            outcome = None
        else:
            await throttle.clear(
                session, keys[0]
            )  # the address keeps its count: one good account must not reset it
            outcome = await signed_in(
                ctx, session, user, method="password", client_ip=client_ip, old_token=old_token
            )
    if outcome is None:
        raise AuthenticationError(BAD_LOGIN, code="invalid_credentials")
    return outcome


async def signed_in(
    ctx: IdentityContext,
    session: AsyncSession,
    user: User,
    *,
    method: str,
    client_ip: str | None,
    old_token: str | None,
) -> LoginOutcome:
    """Start a (possibly half-authenticated) session for a user whose first factor succeeded."""
    cfg = ctx.settings
    if old_token:
        await end_presented(ctx, session, old_token)
    enrolled = await totp.factors(session, user.id)
    pending = bool(enrolled) or mfa_required(await effective_roles(session, user), cfg.mfa)
    issued = await start_session(
        session,
        user_id=user.id,
        secret_key=ctx.secret_key,
        cfg=cfg.sessions,
        mfa_pending=pending,
        method=method,
        client_ip=client_ip,
    )
    await record(
        session,
        action=AuditAction.AUTH_LOGIN,
        actor_id=user.id,
        subject_type="user",
        subject_id=user.id,
        data={"method": method, "mfa_pending": pending, "client_ip": client_ip},
    )
    return LoginOutcome("mfa_required" if pending else "ok", issued, enrolled)


async def end_presented(ctx: IdentityContext, session: AsyncSession, token: str) -> None:
    """End the session a browser presented, if it is still live (rotation at sign-in)."""
    try:
        row = await find_session(session, token=token, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)
    except AuthenticationError:
        return
    end_session(row)


async def verify_mfa(
    ctx: IdentityContext,
    *,
    token: str,
    method: MfaMethod,
    code: str | None,
    credential: dict[str, Any] | None,
) -> IssuedSession:
    """Check a second factor for the session (pending: completes sign-in; complete: step-up) and rotate it."""
    async with ctx.sessions.begin() as session:
        row = await _live(ctx, session, token)
        key = [throttle.throttle_key(ctx.secret_key, "mfa", row.user_id)]
        wait = await throttle.wait_seconds(session, key)
        ok = not wait and await _check_factor(ctx, session, row, method, code, credential)
        issued = await _finish_mfa(ctx, session, row, ok=ok, method=method, throttle_keys=key)
    if wait:
        raise _throttled(wait)
    if issued is None:
        raise AuthenticationError(BAD_MFA, code="mfa_failed")
    return issued


async def _check_factor(
    ctx: IdentityContext,
    session: AsyncSession,
    row: AuthSession,
    method: MfaMethod,
    code: str | None,
    credential: dict[str, Any] | None,
) -> bool:
    if method == "totp":
        return await totp.check_totp(session, user_id=row.user_id, code=code or "", secret_key=ctx.secret_key)
    if method == "recovery_code":
        return await totp.use_recovery_code(
            session, user_id=row.user_id, code=code or "", secret_key=ctx.secret_key
        )
    return await passkeys.authenticate(session, row, credential=credential or {}, rp=ctx.relying_party)


async def _finish_mfa(
    ctx: IdentityContext,
    session: AsyncSession,
    row: AuthSession,
    *,
    ok: bool,
    method: str,
    throttle_keys: list[str],
) -> IssuedSession | None:
    if not ok:
        data = {"method": method}
        await _failed(
            session, throttle_keys, ctx.settings, action=AuditAction.AUTH_MFA, actor_id=row.user_id, data=data
        )
        return None
    await throttle.clear(session, throttle_keys[0])
    await record(session, action=AuditAction.AUTH_MFA, actor_id=row.user_id, data={"method": method})
    return await rotate_after_mfa(session, row, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)


async def complete_with_new_factor(
    ctx: IdentityContext, session: AsyncSession, row: AuthSession, method: str
) -> IssuedSession:
    """Enrolling a factor proves possession of it: a half-authenticated session becomes complete."""
    await record(session, action=AuditAction.MFA_ENROL, actor_id=row.user_id, data={"method": method})
    return await rotate_after_mfa(session, row, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)


async def _live(ctx: IdentityContext, session: AsyncSession, token: str) -> AuthSession:
    row, _ = await find_signed_in(session, token=token, secret_key=ctx.secret_key, cfg=ctx.settings.sessions)
    return row


async def _failed(
    session: AsyncSession,
    throttle_keys: list[str],
    cfg: IdentitySettings,
    *,
    action: AuditAction,
    actor_id: str | None,
    data: dict[str, Any],
) -> None:
    """A failed attempt counts against the throttle and is audited, in the same transaction."""
    await throttle.record_failure(session, throttle_keys, cfg.login)
    await record(session, action=action, outcome="failure", actor_id=actor_id, data=data)


def _throttled(wait: int) -> QuotaExceededError:
    error = QuotaExceededError("Too many failed attempts. Wait before trying again.", retry_after_s=wait)
    error.code = "login_throttled"
    return error
