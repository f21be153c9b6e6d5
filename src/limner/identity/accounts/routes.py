"""Admin API for users and groups: /v1/limner/admin/users and /v1/limner/admin/groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, SessionDep, SettingsDep, require
from limner.identity.accounts import groups, service
from limner.identity.accounts.models import User
from limner.identity.accounts.resets import RESET_PATH, issue_reset
from limner.identity.accounts.schemas import (
    GroupCreate,
    GroupMembers,
    GroupPage,
    GroupRead,
    GroupUpdate,
    ResetLink,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from limner.identity.schemas import Permission
from limner.identity.sessions.service import end_user_sessions


def get_custom_roles(settings: SettingsDep) -> dict[str, list[str]]:
    return settings.identity.custom_roles


CustomRolesDep = Annotated[dict[str, list[str]], Depends(get_custom_roles)]
router = APIRouter(
    prefix="/v1/limner/admin", tags=["admin"], dependencies=[Depends(require(Permission.USERS_MANAGE))]
)


@router.get("/users")
async def list_users(session: SessionDep) -> UserPage:
    return _user_page(await service.list_users(session))


@router.post("/users", status_code=201, dependencies=[STEP_UP])
async def create_user(
    body: UserCreate, custom: CustomRolesDep, principal: PrincipalDep, session: SessionDep
) -> UserRead:
    user = await service.create_user(
        session,
        email=body.email,
        roles=body.roles,
        display_name=body.display_name,
        custom_roles=custom,
        actor_id=principal.user_id,
    )
    for name in body.groups:
        group = await groups.require_group(session, name=name)
        await groups.add_members(session, group, [user.id], actor_id=principal.user_id)
    return UserRead.model_validate(user)


@router.get("/users/{user_id}")
async def get_user(user_id: str, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, user_id))


@router.patch("/users/{user_id}", dependencies=[STEP_UP])
async def update_user(
    user_id: str, body: UserUpdate, custom: CustomRolesDep, principal: PrincipalDep, session: SessionDep
) -> UserRead:
    user = await service.get_user(session, user_id)
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.roles is not None:
        await service.set_roles(
            session,
            user,
            body.roles,
            actor_id=principal.user_id,
            custom_roles=custom,
        )
    if body.status is not None:
        await service.set_status(session, user, body.status, actor_id=principal.user_id)
    return UserRead.model_validate(user)


@router.post("/users/{user_id}/sessions/revoke")
async def revoke_sessions(user_id: str, principal: PrincipalDep, session: SessionDep) -> dict[str, int]:
    """Sign the user out everywhere."""
    user = await service.get_user(session, user_id)
    ended = await end_user_sessions(session, user.id)
    await record(
        session,
        action=AuditAction.AUTH_LOGOUT_ALL,
        actor_id=principal.user_id,
        subject_type="user",
        subject_id=user.id,
    )
    return {"sessions_ended": ended}


@router.post("/users/{user_id}/password-reset", dependencies=[STEP_UP])
async def password_reset_link(
    user_id: str, c: ComponentsDep, principal: PrincipalDep, session: SessionDep
) -> ResetLink:
    """A one-time link for the user to set a new password; give it to them out of band."""
    user = await service.get_user(session, user_id)
    token = await issue_reset(
        session, user, secret_key=c.secret_key, cfg=c.settings.identity, actor_id=principal.user_id
    )
    url = f"{c.settings.public_url.rstrip('/')}{RESET_PATH}#token={token}"
    return ResetLink(url=url, expires_in_s=c.settings.identity.login.reset_token_ttl_s)


@router.get("/groups")
async def list_groups(session: SessionDep) -> GroupPage:
    return GroupPage(data=[GroupRead.model_validate(g) for g in await groups.list_groups(session)])


@router.post("/groups", status_code=201, dependencies=[STEP_UP])
async def create_group(
    body: GroupCreate, custom: CustomRolesDep, principal: PrincipalDep, session: SessionDep
) -> GroupRead:
    group = await groups.create_group(
        session,
        name=body.name,
        roles=body.roles,
        actor_id=principal.user_id,
        custom_roles=custom,
    )
    return GroupRead.model_validate(group)


@router.patch("/groups/{group_id}", dependencies=[STEP_UP])
async def update_group(
    group_id: str, body: GroupUpdate, custom: CustomRolesDep, principal: PrincipalDep, session: SessionDep
) -> GroupRead:
    group = await groups.get_group(session, group_id)
    await groups.update_group(
        session,
        group,
        name=body.name,
        roles=body.roles,
        actor_id=principal.user_id,
        custom_roles=custom,
    )
    return GroupRead.model_validate(group)


@router.delete("/groups/{group_id}", status_code=204, dependencies=[STEP_UP])
async def delete_group(group_id: str, principal: PrincipalDep, session: SessionDep) -> None:
    await groups.delete_group(session, await groups.get_group(session, group_id), actor_id=principal.user_id)


@router.get("/groups/{group_id}/members")
async def list_members(group_id: str, session: SessionDep) -> UserPage:
    group = await groups.get_group(session, group_id)
    return _user_page(await groups.members(session, group))


@router.put("/groups/{group_id}/members", dependencies=[STEP_UP])
async def set_members(
    group_id: str, body: GroupMembers, principal: PrincipalDep, session: SessionDep
) -> UserPage:
    group = await groups.get_group(session, group_id)
    await groups.set_members(session, group, body.user_ids, actor_id=principal.user_id)
    return _user_page(await groups.members(session, group))


def _user_page(users: Iterable[User]) -> UserPage:
    return UserPage(data=[UserRead.model_validate(u) for u in users])
