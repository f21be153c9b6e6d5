"""Admin pages that show how access is set up: roles and their permissions, groups and their members,
quotas, and whether each image backend is reachable."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from limner.errors import LimnerError
from limner.identity.accounts import groups
from limner.identity.schemas import ROLE_PERMISSIONS, Permission
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
UsersPage = Depends(require_page(Permission.USERS_MANAGE))


@router.get("/admin/access")
async def access(page: Page = UsersPage) -> Response:
    custom = page.c.settings.identity.custom_roles
    roles = {
        **{k: sorted(v) for k, v in ROLE_PERMISSIONS.items()},
        **{k: sorted(v) for k, v in custom.items()},
    }
    async with page.c.sessions() as session:
        rows = [
            (g, [m.email for m in await groups.members(session, g)])
            for g in await groups.list_groups(session)
        ]
    return await render(
        page, "admin/access.html", title="Roles, groups and quotas", roles=sorted(roles.items()), groups=rows,
        quotas=page.c.settings.identity.quotas,
    )  # fmt: skip


@router.get("/admin/backends")
async def backends(page: Page = UsersPage) -> Response:
    status = []
    for name, backend in page.c.backends.items():
        try:
            await backend.check()
            status.append((name, "available", ""))
        except LimnerError as exc:
            status.append((name, "unavailable", exc.message))
    models = [(m.id, m.backend, m.family) for m in page.c.settings.generation.models]
    return await render(page, "admin/backends.html", title="Image backends", backends=status, models=models)
