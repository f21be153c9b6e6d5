"""SCIM Groups over Limner's groups (departments): documents in and out, lookups, create, replace, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import utcnow
from limner.identity.accounts import groups
from limner.identity.accounts.models import Group, User
from limner.identity.scim.errors import ScimError, invalid
from limner.identity.scim.query import EqFilter
from limner.identity.scim.schema import GROUP_SCHEMA
from limner.identity.scim.users import SCIM, visible

MULTI = {"members"}


@dataclass(frozen=True, slots=True)
class ScimGroup:
    display_name: str
    external_id: str | None
    member_ids: list[str]


def parse_group(doc: dict[str, Any]) -> ScimGroup:
    name = doc.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid("displayName is required.")
    members = doc.get("members") or []
    if not isinstance(members, list) or not all(isinstance(m, dict) and m.get("value") for m in members):
        raise invalid("members must be a list of objects with a value.")
    external = doc.get("externalId")
    return ScimGroup(name.strip(), str(external) if external else None, [str(m["value"]) for m in members])


def to_doc(group: Group, members: list[User], base: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": group.id, "displayName": group.name}
    if group.external_id:
        doc["externalId"] = group.external_id
    if members:
        doc["members"] = [{"value": u.id, "$ref": f"{base}/Users/{u.id}"} for u in members]
    doc["meta"] = {
        "resourceType": "Group",
        "created": group.created_at.isoformat(),
        "lastModified": group.updated_at.isoformat(),
        "location": f"{base}/Groups/{group.id}",
    }
    return doc


async def get(session: AsyncSession, group_id: str, *, scoped: bool) -> Group:
    group = await session.get(Group, group_id)
    if group is None or (scoped and group.provisioned_by != SCIM):
        raise ScimError(404, f"Group {group_id} not found.")
    return group


async def search(
    session: AsyncSession, flt: EqFilter | None, offset: int, limit: int, *, scoped: bool
) -> tuple[int, list[Group]]:
    query = select(Group).where(Group.provisioned_by == SCIM) if scoped else select(Group)
    if flt is not None:
        columns = {"displayname": Group.name, "externalid": Group.external_id, "id": Group.id}
        if flt.attribute not in columns:
            raise invalid(f"Filtering on {flt.attribute} is not supported.", "invalidFilter")
        query = query.where(columns[flt.attribute] == flt.value)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    page = query.order_by(Group.created_at, Group.id).offset(offset).limit(limit)
    return total, list((await session.execute(page)).scalars()) if limit else []


async def create(session: AsyncSession, data: ScimGroup, *, actor_id: str, scoped: bool) -> Group:
    if await groups.find_group(session, name=data.display_name) is not None:
        raise ScimError(409, "A group with this displayName already exists.", "uniqueness")
    group = await groups.create_group(
        session, name=data.display_name, external_id=data.external_id, actor_id=actor_id
    )
    group.provisioned_by = SCIM
    await _set_members(session, group, data.member_ids, actor_id, scoped)
    return group


async def replace(
    session: AsyncSession, group: Group, data: ScimGroup, *, actor_id: str, scoped: bool
) -> Group:
    other = await groups.find_group(session, name=data.display_name)
    if other is not None and other.id != group.id:
        raise ScimError(409, "A group with this displayName already exists.", "uniqueness")
    await groups.update_group(session, group, name=data.display_name, actor_id=actor_id)
    group.external_id, group.updated_at = data.external_id, utcnow()
    await _set_members(session, group, data.member_ids, actor_id, scoped)
    return group


async def _set_members(
    session: AsyncSession, group: Group, member_ids: list[str], actor_id: str, scoped: bool
) -> None:
    query = select(User.id).where(User.id.in_(member_ids), visible(scoped))
    found = set((await session.execute(query)).scalars())
    if missing := set(member_ids) - found:
        raise invalid(f"No user with id {sorted(missing)[0]}.")
    await groups.set_members(session, group, member_ids, actor_id=actor_id)


async def delete(session: AsyncSession, group: Group, *, actor_id: str) -> None:
    await groups.delete_group(session, group, actor_id=actor_id)
