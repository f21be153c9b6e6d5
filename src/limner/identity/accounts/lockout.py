"""Lock-out guards: nobody suspends or erases themselves, and a change never leaves zero active admins.

Every path that can take the admin role away (status, roles, group roles, membership, group deletion,
SCIM, erasure) runs inside `keeping_an_admin`, which compares the set of active admins before and
after the change; the caller's transaction then rolls back on the 409.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.errors import ConflictError
from limner.identity.accounts.models import Group, GroupMember, User

ADMIN = "admin"


async def active_admins(session: AsyncSession) -> set[str]:
    """Ids of active users holding the admin role, directly or through a group."""
    await session.flush()
    live = (User.status == "active", User.deleted_at.is_(None))
    rows = await session.execute(select(User.id, User.roles).where(*live))
    ids = {user_id for user_id, roles in rows if ADMIN in (roles or [])}
    groups = await session.execute(select(Group.id, Group.roles))
    admin_groups = [group_id for group_id, roles in groups if ADMIN in (roles or [])]
    if admin_groups:
        members = (
            select(User.id)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id.in_(admin_groups), *live)
        )
        ids |= set((await session.execute(members)).scalars())
    return ids


@asynccontextmanager
async def keeping_an_admin(session: AsyncSession) -> AsyncIterator[None]:
    """Run a change; refuse it (409 last_admin) if it removed the last active admin."""
    before = await active_admins(session)
    yield
    if before and not await active_admins(session):
        raise ConflictError(
            "This change would leave no active admin. Make someone else an admin first.", code="last_admin"
        )


def refuse_self(actor_id: str | None, user_id: str, what: str) -> None:
    """An admin may not suspend, deprovision or erase their own account (409 self_lockout)."""
    if actor_id is not None and actor_id == user_id:
        raise ConflictError(f"You cannot {what} your own account. Ask another admin.", code="self_lockout")
