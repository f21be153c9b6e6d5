"""Identity services: users, service accounts and API keys. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.errors import AuthenticationError, ConflictError, InvalidRequestError, NotFoundError
from limner.identity import keys
from limner.identity.models import ApiKey, User
from limner.identity.passwords import hash_password
from limner.identity.permissions import Principal, known_roles, model_permission, permissions_for

SERVICE_PREFIX = "service:"


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    roles: list[str],
    password: str | None = None,
    display_name: str = "",
    kind: str = "person",
    custom_roles: dict[str, list[str]] | None = None,
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
    )
    session.add(user)
    await session.flush()
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


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.execute(select(User).order_by(User.created_at))).scalars().all()


async def create_api_key(
    session: AsyncSession,
    *,
    owner: User,
    secret_key: bytes,
    roles: list[str] | None = None,
    models: list[str] | None = None,
    name: str = "",
    expires_days: int | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key for `owner`, scoped to `roles` (default: all the owner's roles). Returns the row
    and the full key, which is shown once and never stored."""
    scope = list(roles) if roles else list(owner.roles)
    if not set(scope) <= set(owner.roles):
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
    return row, full_key


async def revoke_api_key(session: AsyncSession, *, key_id: str) -> ApiKey:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError(f"no API key with id {key_id}")
    row.revoked_at = row.revoked_at or utcnow()
    return row


async def list_api_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()


async def authenticate_api_key(
    session: AsyncSession,
    *,
    raw_key: str,
    secret_key: bytes,
    client_ip: str | None,
    custom_roles: dict[str, list[str]] | None = None,
) -> Principal:
    """The Principal for a presented key; any failure is the same 401, with no hint which check failed."""
    key_id = keys.parse_key_id(raw_key)
    row = await session.get(ApiKey, key_id) if key_id else None
    if row is None or not keys.keys_match(secret_key, raw_key, row.key_hash) or not _key_usable(row):
        raise AuthenticationError("Incorrect API key provided, or the key was revoked or has expired.")
    owner = await session.get(User, row.owner_id)
    if owner is None or owner.status != "active":
        raise AuthenticationError("Incorrect API key provided, or the key was revoked or has expired.")
    _touch(row, client_ip)
    return principal_for(owner, key=row, secret_key=secret_key, custom_roles=custom_roles)


def _key_usable(row: ApiKey, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > now)


def _touch(row: ApiKey, client_ip: str | None) -> None:
    now = utcnow()
    # Writing on every request would serialise all traffic on one row; a minute's precision is enough.
    if (
        row.last_used_at is None
        or now - row.last_used_at > timedelta(minutes=1)
        or row.last_used_ip != client_ip
    ):
        row.last_used_at, row.last_used_ip = now, client_ip


def principal_for(
    owner: User,
    *,
    key: ApiKey | None,
    secret_key: bytes,
    custom_roles: dict[str, list[str]] | None = None,
) -> Principal:
    """A key never grants more than its owner has now: roles are intersected with the owner's."""
    roles = frozenset(owner.roles) & frozenset(key.roles) if key else frozenset(owner.roles)
    perms = set(permissions_for(roles, custom_roles))
    if key is not None and key.models is not None:
        allowed = {m for m in key.models if "model:*" in perms or model_permission(m) in perms}
        perms = {p for p in perms if not p.startswith("model:")} | {model_permission(m) for m in allowed}
    return Principal(
        user_id=owner.id,
        email=owner.email,
        kind=owner.kind,
        roles=roles,
        permissions=frozenset(perms),
        pseudonym=keys.pseudonym(secret_key, owner.id),
        via="api_key" if key else "session",
        api_key_id=key.id if key else None,
    )


def _check_roles(roles: list[str], custom_roles: dict[str, list[str]] | None) -> None:
    valid = known_roles(custom_roles)
    unknown = [r for r in roles if r not in valid]
    if unknown or not roles:
        raise InvalidRequestError(
            f"unknown role(s) {unknown or roles}; valid roles: {', '.join(valid)}", param="role"
        )
