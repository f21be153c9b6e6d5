"""Admin pages: people and their roles, API keys (each shown once, when created), revocation.
Handlers call the admin API's own handlers and services."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from limner.errors import InvalidRequestError, NotFoundError
from limner.identity.accounts import service as identity
from limner.identity.keys import routes as key_routes
from limner.identity.keys.schemas import KeyCreate, KeyCreated
from limner.identity.schemas import Permission, known_roles
from limner.web.forms import FieldError, text
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
KeysPage = Depends(require_page(Permission.KEYS_MANAGE))
UsersPage = Depends(require_page(Permission.USERS_MANAGE))


@router.get("/admin")
async def admin_home(page: Page = UsersPage) -> Response:
    return await render(page, "admin/index.html", title="Admin")


@router.get("/admin/users")
async def users(page: Page = UsersPage) -> Response:
    async with page.c.sessions() as session:
        rows = await identity.list_users(session)
    return await render(page, "admin/users.html", title="People", users=rows)


@router.get("/admin/users/{user_id}")
async def user_page(user_id: str, page: Page = UsersPage) -> Response:
    async with page.c.sessions() as session:
        user = await identity.get_user(session, user_id)
    roles = known_roles(page.c.settings.identity.custom_roles)
    return await render(page, "admin/user.html", title=user.email, person=user, all_roles=roles)


@router.post("/admin/users/{user_id}/roles")
async def set_roles(user_id: str, page: Page = UsersPage) -> Response:
    form = await page.request.form()
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    async with page.c.sessions.begin() as session:
        user = await identity.get_user(session, user_id)
        await identity.set_roles(
            session,
            user,
            roles,
            actor_id=page.user.user_id,
            custom_roles=page.c.settings.identity.custom_roles,
        )
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/status")
async def set_status(user_id: str, page: Page = UsersPage) -> Response:
    form = await page.request.form()
    async with page.c.sessions.begin() as session:
        user = await identity.get_user(session, user_id)
        await identity.set_status(session, user, text(form, "status"), actor_id=page.user.user_id)
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.get("/admin/keys")
async def keys(page: Page = KeysPage) -> Response:
    return await _keys(page)


@router.post("/admin/keys")
async def create_key(page: Page = KeysPage) -> Response:
    form = await page.request.form()
    values = {
        "owner": text(form, "owner"),
        "name": text(form, "name"),
        "expires_days": text(form, "expires_days"),
    }
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    errors = [FieldError("owner", "Enter the email of the key's owner")] if not values["owner"] else []
    if values["expires_days"] and not values["expires_days"].isdigit():
        errors.append(FieldError("expires_days", "Enter the number of days as a whole number, like 90"))
    if errors:
        return await _keys(page, errors=errors, form=values, roles=roles)
    try:
        async with page.c.sessions.begin() as session:
            owner = await identity.require_user(session, email=values["owner"])
            body = KeyCreate(
                owner_id=owner.id, roles=roles or None, name=values["name"],
                expires_days=int(values["expires_days"]) if values["expires_days"] else None,
            )  # fmt: skip
            created = await key_routes.create_key(body, page.c, page.user, session)
    except NotFoundError as exc:
        return await _keys(page, errors=[FieldError("owner", exc.message)], form=values, roles=roles)
    except (InvalidRequestError, ValidationError) as exc:
        message = exc.message if isinstance(exc, InvalidRequestError) else "Check the key's details"
        return await _keys(page, errors=[FieldError("roles-admin", message)], form=values, roles=roles)
    return await _keys(page, created=created)


@router.post("/admin/keys/{key_id}/revoke")
async def revoke_key(key_id: str, page: Page = KeysPage) -> Response:
    async with page.c.sessions.begin() as session:
        await key_routes.revoke_key(key_id, page.user, session)
    return RedirectResponse("/admin/keys", status_code=303)


async def _keys(
    page: Page,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    roles: list[str] | None = None,
    created: KeyCreated | None = None,
) -> Response:
    async with page.c.sessions() as session:
        listing = (await key_routes.list_keys(session)).data
        owners = {u.id: u.email for u in await identity.list_users(session)}
    return await render(
        page,
        "admin/keys.html",
        status=400 if errors else 201 if created else 200,
        title="API keys",
        keys=listing,
        owners=owners,
        all_roles=known_roles(page.c.settings.identity.custom_roles),
        errors=errors or [],
        form=form or {},
        chosen=roles or [],
        created=created,
    )
