"""SCIM Users over Limner's users: JSON documents in and out, lookups, create, replace and delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.identity.accounts import groups, service
from limner.identity.accounts.models import User
from limner.identity.keys import service as key_service
from limner.identity.scim.errors import ScimError, invalid
from limner.identity.scim.query import EqFilter
from limner.identity.scim.schema import USER_SCHEMA
from limner.identity.sessions.service import end_user_sessions

MULTI = {"emails", "groups"}
SYNTHETIC_DOMAIN = "scim.invalid"  # RFC 2606: no mail, no SSO match, for userNames without any email


@dataclass(frozen=True, slots=True)
class ScimUser:
    user_name: str
    email: str
    display_name: str
    external_id: str | None
    active: bool
    profile: dict[str, Any]


def parse_user(doc: dict[str, Any]) -> ScimUser:
    user_name = doc.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise invalid("userName is required.")
    name = doc.get("name") if isinstance(doc.get("name"), dict) else None
    emails = [e for e in doc.get("emails") or [] if isinstance(e, dict) and isinstance(e.get("value"), str)]
    profile = {k: v for k, v in (("name", name), ("emails", emails or None)) if v}
    return ScimUser(
        user_name=user_name.strip(),
        email=_email(user_name.strip(), emails),
        display_name=_display_name(doc, name),
        external_id=_text(doc.get("externalId")),
        active=to_bool(doc.get("active", True)),
        profile=profile,
    )


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # Entra ID sends "False"
        return value.lower() == "true"
    raise invalid("active must be a boolean.")


def _email(user_name: str, emails: list[dict[str, Any]]) -> str:
    primary = next((e["value"] for e in emails if e.get("primary") in (True, "true", "True")), None)
    chosen = primary or (emails[0]["value"] if emails else None) or (user_name if "@" in user_name else None)
    return (chosen or f"{user_name}@{SYNTHETIC_DOMAIN}").strip().lower()


def _display_name(doc: dict[str, Any], name: dict[str, Any] | None) -> str:
    if isinstance(doc.get("displayName"), str):
        return str(doc["displayName"])[:200]
    if name:
        parts = [str(name.get("givenName") or ""), str(name.get("familyName") or "")]
        return str(name.get("formatted") or " ".join(p for p in parts if p))[:200]
    return ""


def _text(value: Any) -> str | None:
    return str(value)[:200] if value not in (None, "") else None


def to_doc(user: User, member_of: list[tuple[str, str]], base: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": user.id, "userName": user.user_name or user.email}
    if user.external_id:
        doc["externalId"] = user.external_id
    if user.display_name:
        doc["displayName"] = user.display_name
    doc.update(user.profile or {})
    doc["active"] = user.status == "active"
    if member_of:
        doc["groups"] = [{"value": gid, "$ref": f"{base}/Groups/{gid}", "display": n} for gid, n in member_of]
    doc["meta"] = {
        "resourceType": "User",
        "created": user.created_at.isoformat(),
        "lastModified": user.updated_at.isoformat(),
        "location": f"{base}/Users/{user.id}",
    }
    return doc


SCIM = "scim"  # users.provisioned_by / groups.provisioned_by of what SCIM created


def visible(scoped: bool) -> Any:
    """People SCIM may see; `scoped` (identity.scim_manages_only_provisioned): only those it created."""
    condition = and_(User.deleted_at.is_(None), User.kind == "person")
    return and_(condition, User.provisioned_by == SCIM) if scoped else condition


async def get(session: AsyncSession, user_id: str, *, scoped: bool) -> User:
    user = await session.get(User, user_id)
    hidden = scoped and (user is None or user.provisioned_by != SCIM)
    if user is None or user.deleted_at is not None or user.kind != "person" or hidden:
        raise ScimError(404, f"User {user_id} not found.")
    return user


async def search(
    session: AsyncSession, flt: EqFilter | None, offset: int, limit: int, *, scoped: bool
) -> tuple[int, list[User]]:
    query = select(User).where(visible(scoped))
    if flt is not None:
        query = query.where(_condition(flt))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    page = query.order_by(User.created_at, User.id).offset(offset).limit(limit)
    return total, list((await session.execute(page)).scalars()) if limit else []


def _condition(flt: EqFilter) -> Any:
    value = flt.value.strip().lower()
    if flt.attribute == "username":
        by_name = func.lower(User.user_name) == value
        return or_(by_name, and_(User.user_name.is_(None), User.email == value))
    columns = {"externalid": User.external_id, "id": User.id, "displayname": User.display_name}
    if flt.attribute in columns:
        return columns[flt.attribute] == flt.value
    if flt.attribute in ("emails.value", "emails"):
        return User.email == value
    raise invalid(f"Filtering on {flt.attribute} is not supported.", "invalidFilter")


async def create(session: AsyncSession, data: ScimUser, *, roles: list[str], actor_id: str) -> User:
    await _check_unique(session, data, None)
    user = await service.create_user(
        session,
        email=data.email,
        roles=roles,
        display_name=data.display_name,
        external_id=data.external_id,
        actor_id=actor_id,
    )
    user.user_name, user.profile, user.provisioned_by = data.user_name, data.profile, SCIM
    if not data.active:
        await service.set_status(session, user, "deprovisioned", actor_id=actor_id)
    await session.flush()
    return user


async def replace(session: AsyncSession, user: User, data: ScimUser, *, actor_id: str) -> User:
    await _check_unique(session, data, user.id)
    user.email, user.user_name, user.profile = data.email, data.user_name, data.profile
    user.display_name, user.external_id = data.display_name, data.external_id
    wanted = "active" if data.active else "deprovisioned"
    if (user.status == "active") != data.active:
        await service.set_status(session, user, wanted, actor_id=actor_id)
    user.updated_at = utcnow()
    await session.flush()
    return user


async def delete(session: AsyncSession, user: User, *, actor_id: str) -> None:
    """Soft delete: the row stays for the audit trail, but SCIM and sign-in no longer see it."""
    await service.set_status(session, user, "deprovisioned", actor_id=actor_id)
    await end_user_sessions(session, user.id)
    for key in await key_service.list_api_keys(session, owner_id=user.id):
        key.revoked_at = key.revoked_at or utcnow()
    user.deleted_at, user.email, user.user_name = utcnow(), f"{user.id}@deleted.invalid", None
    for group in await groups.groups_of(session, user.id):
        await groups.remove_members(session, group, [user.id], actor_id=actor_id)


async def memberships(session: AsyncSession, user: User) -> list[tuple[str, str]]:
    return [(g.id, g.name) for g in await groups.groups_of(session, user.id)]


async def _check_unique(session: AsyncSession, data: ScimUser, own_id: str | None) -> None:
    clash = select(User.id).where(
        or_(func.lower(User.user_name) == data.user_name.lower(), User.email == data.email)
    )
    found = (await session.execute(clash)).scalars().all()
    if any(uid != own_id for uid in found):
        raise ScimError(409, "A user with this userName or email already exists.", "uniqueness")
