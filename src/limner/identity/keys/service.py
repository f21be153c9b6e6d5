"""API keys: create, look up, revoke, suspend, rotate and list. The caller owns the transaction.

It re-exports `pseudonym`, the stable stand-in for a user id that other domains show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import utcnow
from limner.errors import ConflictError, InvalidRequestError, NotFoundError
from limner.identity.accounts.groups import effective_roles
from limner.identity.accounts.models import User
from limner.identity.accounts.service import get_user
from limner.identity.keys import tokens
from limner.identity.keys.models import ApiKey
from limner.identity.keys.tokens import pseudonym as pseudonym


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
    key_id, full_key = tokens.mint_key()
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    row = ApiKey(
        id=key_id,
        owner_id=owner.id,
        name=name,
        key_hash=tokens.hash_key(secret_key, full_key),
        roles=scope,
        models=models,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        action=AuditAction.KEY_CREATE,
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
            session,
            action=AuditAction.KEY_REVOKE,
            actor_id=actor_id,
            subject_type="api_key",
            subject_id=row.id,
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
        # Rounded, not floored: created_at is stamped a moment after expires_at was computed.
        days = max(1, round((old.expires_at - old.created_at) / timedelta(days=1)))
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
        action=AuditAction.KEY_ROTATE,
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
