"""Password reset by an admin-issued one-time link: the token is stored as an HMAC, expires and works once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import InvalidRequestError
from limner.identity.accounts.models import PasswordReset, User
from limner.identity.accounts.passwords import check_password_policy, hash_password
from limner.identity.config import IdentitySettings
from limner.identity.sessions import throttle
from limner.identity.sessions.service import end_user_sessions, token_hash

RESET_PATH = "/reset-password"
BAD_TOKEN = "This reset link is invalid, expired or already used. Ask an administrator for a new one."


async def issue_reset(
    session: AsyncSession, user: User, *, secret_key: bytes, cfg: IdentitySettings, actor_id: str | None
) -> str:
    """A new reset token (shown once, as a link); earlier unused tokens of the user stop working."""
    if user.kind != "person" or user.status != "active":
        raise InvalidRequestError("Only active people can reset a password.", param="user")
    now = utcnow()
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            id=token_hash(secret_key, token, "reset"),
            user_id=user.id,
            created_by=actor_id,
            expires_at=now + timedelta(seconds=cfg.login.reset_token_ttl_s),
        )
    )
    await record(
        session,
        action=AuditAction.PASSWORD_RESET_ISSUED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
    )
    return token


async def complete_reset(
    session: AsyncSession, *, token: str, new_password: str, secret_key: bytes, cfg: IdentitySettings
) -> User:
    """Set the new password, end every session of the user and lift the account's sign-in lockout."""
    check_password_policy(new_password, min_length=cfg.login.password_min_length)
    now = utcnow()
    claimed = await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == token_hash(secret_key, token, "reset"),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    )
    user_id = claimed.scalar_one_or_none()
    user = await session.get(User, user_id) if user_id else None
    if user is None or user.status != "active":
        raise InvalidRequestError(BAD_TOKEN, param="token", code="invalid_token")
    user.password_hash = hash_password(new_password)
    await end_user_sessions(session, user.id)
    await throttle.clear(session, throttle.throttle_key(secret_key, "acct", user.email))
    await record(
        session, action=AuditAction.PASSWORD_RESET, actor_id=user.id, subject_type="user", subject_id=user.id
    )
    return user
