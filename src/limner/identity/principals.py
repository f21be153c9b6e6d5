"""Principals: who a key or session acts for now: own and group roles, narrowed by key scope, with limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.errors import AuthenticationError
from limner.identity.accounts.groups import groups_of
from limner.identity.accounts.models import User
from limner.identity.config import AccessRule
from limner.identity.keys import tokens
from limner.identity.keys.models import ApiKey
from limner.identity.limits import rules_for
from limner.identity.schemas import Principal, model_permission, permissions_for

_BAD_KEY = "Incorrect API key provided, or the key was revoked or has expired."


async def authenticate_api_key(
    session: AsyncSession,
    *,
    raw_key: str,
    secret_key: bytes,
    custom_roles: dict[str, list[str]] | None = None,
    access: Mapping[str, AccessRule] | None = None,
) -> Principal:
    """The Principal for a presented key; any failure is the same 401, with no hint which check failed.
    Reads only: the caller records the key's use with `touch_api_key` when `key_needs_touch`."""
    key_id = tokens.parse_key_id(raw_key)
    row = await session.get(ApiKey, key_id) if key_id else None
    if row is None or not tokens.keys_match(secret_key, raw_key, row.key_hash) or not _key_usable(row):
        raise AuthenticationError(_BAD_KEY)
    owner = await session.get(User, row.owner_id)
    if owner is None or owner.status != "active":
        raise AuthenticationError(_BAD_KEY)
    return await load_principal(
        session, owner, key=row, secret_key=secret_key, custom_roles=custom_roles, access=access
    )


async def load_principal(
    session: AsyncSession,
    owner: User,
    *,
    key: ApiKey | None,
    secret_key: bytes,
    custom_roles: dict[str, list[str]] | None = None,
    mfa_at: datetime | None = None,
    session_id: str | None = None,
    access: Mapping[str, AccessRule] | None = None,
) -> Principal:
    """principal_for with the owner's groups (and their roles) and access rules loaded."""
    groups = [(g.name, list(g.roles)) for g in await groups_of(session, owner.id)]
    base = principal_for(owner, key=key, secret_key=secret_key, custom_roles=custom_roles, groups=groups)
    limits = rules_for(base.roles, base.groups, access or {})
    return replace(base, mfa_at=mfa_at, session_id=session_id, limits=limits)


def _key_usable(row: ApiKey, now: datetime | None = None) -> bool:
    now = now or utcnow()
    is_live = row.revoked_at is None and row.suspended_at is None
    return is_live and (row.expires_at is None or row.expires_at > now)


def key_needs_touch(row: ApiKey, client_ip: str | None) -> bool:
    # Writing on every request would serialise all traffic on one row; a minute's precision is enough.
    return (
        row.last_used_at is None
        or utcnow() - row.last_used_at > timedelta(minutes=1)
        or row.last_used_ip != client_ip
    )


async def touch_api_key(session: AsyncSession, key_id: str, client_ip: str | None) -> None:
    """Record the key's last use (the caller's write transaction); a no-op when a request just did.
    These columns are bookkeeping: changing them does not invalidate cached principals."""
    row = await session.get(ApiKey, key_id)
    if row is not None and key_needs_touch(row, client_ip):
        row.last_used_at, row.last_used_ip = utcnow(), client_ip


def principal_for(
    owner: User,
    *,
    key: ApiKey | None,
    secret_key: bytes,
    custom_roles: dict[str, list[str]] | None = None,
    groups: Sequence[tuple[str, list[str]]] = (),
) -> Principal:
    """A key never grants more than its owner has now: roles are intersected with the owner's
    current roles (their own and their groups')."""
    held = frozenset(owner.roles).union(*(frozenset(roles) for _, roles in groups))
    roles = held & frozenset(key.roles) if key else held
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
        pseudonym=tokens.pseudonym(secret_key, owner.id),
        via="api_key" if key else "session",
        api_key_id=key.id if key else None,
        groups=frozenset(name for name, _ in groups),
    )
