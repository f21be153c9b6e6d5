"""Groups (departments): create, rename, set roles and members. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import ConflictError, InvalidRequestError, NotFoundError
from limner.identity.accounts.lockout import keeping_an_admin
from limner.identity.accounts.models import Group, GroupMember, User
from limner.identity.schemas import known_roles


async def create_group(
    session: AsyncSession,
    *,
    name: str,
    roles: list[str] | None = None,
    external_id: str | None = None,
    actor_id: str | None = None,
    custom_roles: dict[str, list[str]] | None = None,
) -> Group:
    check_group_roles(roles or [], custom_roles)
    name = _clean_name(name)
    if await find_group(session, name=name) is not None:
        raise ConflictError(f"a group named {name} already exists")
    group = Group(name=name, roles=list(roles or []), external_id=external_id)
    session.add(group)
    await session.flush()
    await record(
        session, action=AuditAction.GROUP_CREATE, actor_id=actor_id, subject_type="group", subject_id=group.id
    )
    return group


async def find_group(session: AsyncSession, *, name: str) -> Group | None:
    return (await session.execute(select(Group).where(Group.name == name.strip()))).scalar_one_or_none()


async def get_group(session: AsyncSession, group_id: str) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise NotFoundError(f"no group with id {group_id}")
    return group


async def require_group(session: AsyncSession, *, name: str) -> Group:
    group = await find_group(session, name=name)
    if group is None:
        raise NotFoundError(f"no group named {name}")
    return group


async def list_groups(session: AsyncSession) -> Sequence[Group]:
    return (await session.execute(select(Group).order_by(Group.name))).scalars().all()


async def update_group(
    session: AsyncSession,
    group: Group,
    *,
    name: str | None = None,
    roles: list[str] | None = None,
    actor_id: str | None = None,
    custom_roles: dict[str, list[str]] | None = None,
) -> Group:
    changes: dict[str, object] = {}
    if name is not None and _clean_name(name) != group.name:
        if await find_group(session, name=_clean_name(name)) is not None:
            raise ConflictError(f"a group named {name} already exists")
        group.name = changes["name"] = _clean_name(name)
    if roles is not None and list(roles) != group.roles:
        check_group_roles(roles, custom_roles)
        async with keeping_an_admin(session):
            group.roles = list(roles)
        changes["roles"] = list(roles)
    if changes:
        await record(
            session,
            action=AuditAction.GROUP_UPDATE,
            actor_id=actor_id,
            subject_type="group",
            subject_id=group.id,
            data=changes,
        )
    return group


async def delete_group(session: AsyncSession, group: Group, *, actor_id: str | None = None) -> None:
    async with keeping_an_admin(session):
        await session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
        await session.delete(group)
    await record(
        session, action=AuditAction.GROUP_DELETE, actor_id=actor_id, subject_type="group", subject_id=group.id
    )


async def members(session: AsyncSession, group: Group) -> Sequence[User]:
    query = (
        select(User).join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.group_id == group.id)
    )
    return (await session.execute(query.order_by(User.email))).scalars().all()


async def set_members(
    session: AsyncSession, group: Group, user_ids: Sequence[str], *, actor_id: str | None = None
) -> None:
    wanted = set(user_ids)
    found = set((await session.execute(select(User.id).where(User.id.in_(wanted)))).scalars())
    if missing := wanted - found:
        raise InvalidRequestError(f"no user with id {sorted(missing)[0]}", param="members")
    current = {u.id for u in await members(session, group)}
    await _change_members(session, group, add=wanted - current, remove=current - wanted, actor_id=actor_id)


async def add_members(
    session: AsyncSession, group: Group, user_ids: Sequence[str], *, actor_id: str | None = None
) -> None:
    current = {u.id for u in await members(session, group)}
    await _change_members(session, group, add=set(user_ids) - current, remove=set(), actor_id=actor_id)


async def remove_members(
    session: AsyncSession, group: Group, user_ids: Sequence[str], *, actor_id: str | None = None
) -> None:
    await _change_members(session, group, add=set(), remove=set(user_ids), actor_id=actor_id)


async def _change_members(
    session: AsyncSession, group: Group, *, add: set[str], remove: set[str], actor_id: str | None
) -> None:
    async with keeping_an_admin(session):
        if remove:
            await session.execute(
                delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id.in_(remove))
            )
        session.add_all(GroupMember(group_id=group.id, user_id=uid) for uid in sorted(add))
        await session.flush()
    if add or remove:
        await record(
            session,
            action=AuditAction.GROUP_MEMBERS,
            actor_id=actor_id,
            subject_type="group",
            subject_id=group.id,
            data={"added": sorted(add), "removed": sorted(remove)},
        )


async def groups_of(session: AsyncSession, user_id: str) -> Sequence[Group]:
    query = (
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id)
    )
    return (await session.execute(query.order_by(Group.name))).scalars().all()


async def effective_roles(session: AsyncSession, user: User) -> set[str]:
    """A user's roles: their own roles and those of every group they belong to."""
    roles = set(user.roles)
    for group in await groups_of(session, user.id):
        roles |= set(group.roles)
    return roles


def check_group_roles(roles: list[str], custom_roles: dict[str, list[str]] | None) -> None:
    valid = known_roles(custom_roles)
    if unknown := [r for r in roles if r not in valid]:
        raise InvalidRequestError(
            f"unknown role(s) {unknown}; valid roles: {', '.join(valid)}", param="roles"
        )


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidRequestError("a group name must have 1 to 200 characters", param="name")
    return name
