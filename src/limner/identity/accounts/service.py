"""Accounts: users, service accounts, status and roles. The caller owns the transaction.

Other domains reach accounts here: it re-exports `find_group`, `groups_of` and `refuse_self`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError
from limner.identity.accounts.groups import find_group as find_group
from limner.identity.accounts.groups import groups_of as groups_of
from limner.identity.accounts.lockout import keeping_an_admin
from limner.identity.accounts.lockout import refuse_self as refuse_self
from limner.identity.accounts.models import User
from limner.identity.accounts.passwords import hash_password
from limner.identity.keys.models import ApiKey
from limner.identity.schemas import known_roles
from limner.identity.sessions.service import end_user_sessions

SERVICE_PREFIX = "service:"
STATUSES = ("active", "suspended", "deprovisioned")


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    roles: list[str],
    password: str | None = None,
    display_name: str = "",
    kind: str = "person",
    custom_roles: dict[str, list[str]] | None = None,
    external_id: str | None = None,
    actor_id: str | None = None,
) -> User:
    _check_roles(roles, custom_roles)
    email = email.strip().lower()
    if kind == "person" and ("@" not in email or email.startswith(SERVICE_PREFIX)):
        raise InvalidRequestError(f"'{email}' is not an email address", param="email")
    if await find_user(session, email=email) is not None:
        raise ConflictError(f"a user with email {email} already exists")
    user = User(
        email=email,
        roles=list(roles),
        display_name=display_name,
        kind=kind,
        password_hash=hash_password(password) if password else None,
        external_id=external_id,
    )
    session.add(user)
    await session.flush()
    await record(
        session, action=AuditAction.USER_CREATE, actor_id=actor_id, subject_type="user", subject_id=user.id
    )
    return user


async def get_or_create_service(session: AsyncSession, *, name: str, roles: list[str]) -> User:
    email = SERVICE_PREFIX + name.strip().lower()
    existing = await find_user(session, email=email)
    if existing is not None:
        return existing
    return await create_user(session, email=email, roles=roles, kind="service", display_name=name)


async def find_user(session: AsyncSession, *, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email.strip().lower()))
    return result.scalar_one_or_none()


async def require_user(session: AsyncSession, *, email: str) -> User:
    user = await find_user(session, email=email)
    if user is None:
        raise NotFoundError(f"no user with email {email}")
    return user


async def get_user(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.execute(select(User).order_by(User.created_at))).scalars().all()


async def set_status(session: AsyncSession, user: User, status: str, *, actor_id: str | None = None) -> User:
    """Suspending or deprovisioning ends every session at once; API keys stop working because
    authentication checks the owner's status. Deprovisioning also revokes the keys for good."""
    if status not in STATUSES:
        raise InvalidRequestError(f"status must be one of {', '.join(STATUSES)}", param="status")
    if status == user.status:
        return user
    if status != "active":
        refuse_self(actor_id, user.id, "suspend or deprovision")
    async with keeping_an_admin(session):
        previous, user.status = user.status, status
    if status != "active":
        await end_user_sessions(session, user.id)
    if status == "deprovisioned":
        await session.execute(
            update(ApiKey)
            .where(ApiKey.owner_id == user.id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    await record(
        session,
        action=AuditAction.USER_STATUS,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        data={"from": previous, "to": status},
    )
    return user


async def set_roles(
    session: AsyncSession,
    user: User,
    roles: list[str],
    *,
    actor_id: str | None = None,
    custom_roles: dict[str, list[str]] | None = None,
) -> User:
    _check_roles(roles, custom_roles)
    async with keeping_an_admin(session):
        previous, user.roles = list(user.roles), sorted(set(roles))
    await record(
        session,
        action=AuditAction.USER_ROLES,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        data={"from": previous, "to": user.roles},
    )
    return user


def _check_roles(roles: list[str], custom_roles: dict[str, list[str]] | None) -> None:
    valid = known_roles(custom_roles)
    unknown = [r for r in roles if r not in valid]
    if unknown or not roles:
        raise InvalidRequestError(
            f"unknown role(s) {unknown or roles}; valid roles: {', '.join(valid)}", param="role"
        )
