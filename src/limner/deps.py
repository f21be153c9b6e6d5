"""Annotated dependencies: handlers read like signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.errors import PermissionDeniedError
from limner.identity.auth import authenticate_request
from limner.identity.permissions import Principal
from limner.settings import Settings


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_settings(components: ComponentsDep) -> Settings:
    return components.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(components: ComponentsDep) -> AsyncIterator[AsyncSession]:
    async with components.sessions.begin() as session:  # commit on success, rollback on error
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def request_id(request: Request) -> str:
    value: str = request.state.request_id
    return value


RequestIdDep = Annotated[str, Depends(request_id)]


async def get_principal(request: Request, components: ComponentsDep) -> Principal:
    return await authenticate_request(request, components)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """A route dependency that refuses callers without `permission` (403 naming it)."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise PermissionDeniedError(f"You lack the permission '{permission}'.")
        return principal

    check.required_permission = permission  # type: ignore[attr-defined]
    return check
