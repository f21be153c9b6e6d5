"""Identity services: users, service accounts, status, roles and API keys. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.actions import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError
from limner.identity import keys
from limner.identity.groups import effective_roles
from limner.identity.lockout import keeping_an_admin, refuse_self
from limner.identity.models import ApiKey, User
from limner.identity.passwords import hash_password
from limner.identity.permissions import known_roles
from limner.identity.principals import authenticate_api_key, load_principal, principal_for
from limner.identity.sessions import end_user_sessions

# Re-exported: callers have always imported these from the identity service.
__all__ = ["authenticate_api_key", "load_principal", "principal_for"]

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
    await record(session, action="user.create", actor_id=actor_id, subject_type="user", subject_id=user.id)
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
        action="user.status",
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
        action="user.roles",
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        data={"from": previous, "to": user.roles},
    )
    return user


async def create_api_key(
    session: AsyncSession,
    *,
    owner: User,
    secret_key: bytes,
    roles: list[str] | None = None,
    models: list[str] | None = None,
    name: str = "",
    expires_days: int | None = None,
    actor_id: str | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key for `owner`, scoped to `roles` (default: all the owner's own roles). Returns the row
    and the full key, which is shown once and never stored."""
    held = await effective_roles(session, owner)
    scope = list(roles) if roles else list(owner.roles)
    if not set(scope) <= held:
        raise InvalidRequestError("a key cannot have roles its owner does not have", param="role")
    key_id, full_key = keys.mint_key()
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    row = ApiKey(
        id=key_id,
        owner_id=owner.id,
        name=name,
        key_hash=keys.hash_key(secret_key, full_key),
        roles=scope,
        models=models,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        action="key.create",
        actor_id=actor_id or owner.id,
        subject_type="api_key",
        subject_id=row.id,
        data={"owner_id": owner.id, "roles": scope},
    )
    return row, full_key


async def get_api_key(session: AsyncSession, key_id: str) -> ApiKey:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError(f"no API key with id {key_id}")
    return row


async def revoke_api_key(session: AsyncSession, *, key_id: str, actor_id: str | None = None) -> ApiKey:
    row = await get_api_key(session, key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await record(
            session, action="key.revoke", actor_id=actor_id, subject_type="api_key", subject_id=row.id
        )
    return row


async def set_key_suspended(
    session: AsyncSession, *, key_id: str, suspended: bool, actor_id: str | None = None
) -> ApiKey:
    """Stop a key (suspicious activity) or let it work again; unlike revocation this is reversible."""
    row = await get_api_key(session, key_id)
    if (row.suspended_at is not None) != suspended:
        row.suspended_at = utcnow() if suspended else None
        action = AuditAction.KEY_SUSPEND if suspended else AuditAction.KEY_RESUME
        await record(session, action=action, actor_id=actor_id, subject_type="api_key", subject_id=row.id)
    return row


async def rotate_api_key(
    session: AsyncSession, *, key_id: str, secret_key: bytes, actor_id: str | None = None
) -> tuple[ApiKey, str]:
    """A new secret with the same owner, scope and lifetime; the old key is revoked in this transaction."""
    old = await get_api_key(session, key_id)
    if old.revoked_at is not None:
        raise ConflictError(f"API key {key_id} is revoked; create a new one instead")
    owner = await get_user(session, old.owner_id)
    days = None
    if old.expires_at is not None:
        days = max(1, (old.expires_at - old.created_at).days)
    new, full_key = await create_api_key(
        session,
        owner=owner,
        secret_key=secret_key,
        roles=list(old.roles),
        models=old.models,
        name=old.name,
        expires_days=days,
        actor_id=actor_id,
    )
    old.revoked_at = utcnow()
    await record(
        session,
        action="key.rotate",
        actor_id=actor_id,
        subject_type="api_key",
        subject_id=old.id,
        data={"replaced_by": new.id},
    )
    return new, full_key


async def list_api_keys(session: AsyncSession, *, owner_id: str | None = None) -> Sequence[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if owner_id is not None:
        query = query.where(ApiKey.owner_id == owner_id)
    return (await session.execute(query)).scalars().all()


def _check_roles(roles: list[str], custom_roles: dict[str, list[str]] | None) -> None:
    valid = known_roles(custom_roles)
    unknown = [r for r in roles if r not in valid]
    if unknown or not roles:
        raise InvalidRequestError(
            f"unknown role(s) {unknown or roles}; valid roles: {', '.join(valid)}", param="role"
        )
