"""SCIM 2.0 at /scim/v2. Discovery is public; Users and Groups need an API key with the scim role."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from limner.deps import ComponentsDep, PrincipalDep, SessionDep, require
from limner.identity.accounts import groups as group_service
from limner.identity.accounts.models import Group, User
from limner.identity.schemas import Permission
from limner.identity.scim import groups, users
from limner.identity.scim.errors import MEDIA_TYPE, ScimError, ScimRoute, invalid
from limner.identity.scim.listing import list_page, list_response, page_bounds, project_params, search_params
from limner.identity.scim.patch import apply_patch
from limner.identity.scim.root_search import search_all
from limner.identity.scim.schema import (
    PATCH_SCHEMA,
    resource_types,
    schemas,
    service_provider_config,
)

PREFIX = "/scim/v2"
KNOWN = {"Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", ".search"}
discovery = APIRouter(prefix=PREFIX, route_class=ScimRoute, tags=["scim"])
router = APIRouter(
    prefix=PREFIX, route_class=ScimRoute, tags=["scim"], dependencies=[Depends(require(Permission.SCIM))]
)


def scim_scope(c: ComponentsDep) -> bool:
    """identity.scim_manages_only_provisioned: SCIM sees only the users and groups it created."""
    return c.settings.identity.scim_manages_only_provisioned


ScopedDep = Annotated[bool, Depends(scim_scope)]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def scim(body: Any, status: int = 200, location: str | None = None) -> JSONResponse:
    headers = {"Location": location} if location else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("The body is not valid JSON.", "invalidSyntax") from exc
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.", "invalidSyntax")
    return body


@discovery.get("/ServiceProviderConfig")
async def get_config(request: Request) -> JSONResponse:
    return scim(service_provider_config(base_url(request)))


@discovery.get("/Schemas")
async def list_schemas(request: Request) -> JSONResponse:
    return scim(list_response(schemas(base_url(request)), 0))


@discovery.get("/Schemas/{schema_id}")
async def get_schema(schema_id: str, request: Request) -> JSONResponse:
    return scim(_one(schemas(base_url(request)), schema_id, "Schema"))


@discovery.get("/ResourceTypes")
async def list_resource_types(request: Request) -> JSONResponse:
    return scim(list_response(resource_types(base_url(request)), 0))


@discovery.get("/ResourceTypes/{type_id}")
async def get_resource_type(type_id: str, request: Request) -> JSONResponse:
    return scim(_one(resource_types(base_url(request)), type_id, "ResourceType"))


@router.post("/.search")
async def search_everything(request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    params = search_params(await read_json(request))
    offset, limit = page_bounds(params)
    total, docs = await search_all(session, params.get("filter"), offset + limit, base_url(request), scoped)
    page = docs[offset : offset + limit]
    return scim(list_response([project_params(d, params) for d in page], offset, total))


def _one(items: list[dict[str, Any]], item_id: str, what: str) -> dict[str, Any]:
    for item in items:
        if item["id"] == item_id:
            return item
    raise ScimError(404, f"{what} {item_id} not found.")


@router.get("/Users")
async def list_users(request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    return scim(await _user_page(request, session, dict(request.query_params), scoped))


@router.post("/Users/.search")
async def search_users(request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    return scim(await _user_page(request, session, search_params(await read_json(request)), scoped))


async def _user_page(
    request: Request, session: SessionDep, params: dict[str, Any], scoped: bool
) -> dict[str, Any]:
    base = base_url(request)

    async def render(user: User) -> dict[str, Any]:
        return users.to_doc(user, await users.memberships(session, user), base)

    return await list_page(session, params, scoped, users.search, render)


@router.post("/Users")
async def create_user(
    request: Request, c: ComponentsDep, principal: PrincipalDep, session: SessionDep
) -> JSONResponse:
    data = users.parse_user(await read_json(request))
    roles = list(c.settings.identity.scim_default_roles)
    user = await users.create(session, data, roles=roles, actor_id=principal.user_id)
    doc = users.to_doc(user, [], base_url(request))
    return scim(doc, 201, doc["meta"]["location"])


@router.get("/Users/{user_id}")
async def get_user(user_id: str, request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    user = await users.get(session, user_id, scoped=scoped)
    doc = users.to_doc(user, await users.memberships(session, user), base_url(request))
    return scim(project_params(doc, dict(request.query_params)))


@router.put("/Users/{user_id}")
async def replace_user(
    user_id: str, request: Request, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> JSONResponse:
    user = await users.get(session, user_id, scoped=scoped)
    await users.replace(session, user, users.parse_user(await read_json(request)), actor_id=principal.user_id)
    return scim(users.to_doc(user, await users.memberships(session, user), base_url(request)))


@router.patch("/Users/{user_id}")
async def patch_user(
    user_id: str, request: Request, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> JSONResponse:
    body = _patch_body(await read_json(request))
    user = await users.get(session, user_id, scoped=scoped)
    base = base_url(request)
    patched = apply_patch(users.to_doc(user, [], base), body, users.MULTI)
    await users.replace(session, user, users.parse_user(patched), actor_id=principal.user_id)
    return scim(users.to_doc(user, await users.memberships(session, user), base))


@router.delete("/Users/{user_id}", status_code=204)
async def delete_user(
    user_id: str, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> Response:
    await users.delete(session, await users.get(session, user_id, scoped=scoped), actor_id=principal.user_id)
    return Response(status_code=204)


@router.get("/Groups")
async def list_groups(request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    return scim(await _group_page(request, session, dict(request.query_params), scoped))


@router.post("/Groups/.search")
async def search_groups(request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    return scim(await _group_page(request, session, search_params(await read_json(request)), scoped))


async def _group_page(
    request: Request, session: SessionDep, params: dict[str, Any], scoped: bool
) -> dict[str, Any]:
    base = base_url(request)

    async def render(group: Group) -> dict[str, Any]:
        return groups.to_doc(group, list(await group_service.members(session, group)), base)

    return await list_page(session, params, scoped, groups.search, render)


@router.post("/Groups")
async def create_group(
    request: Request, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> JSONResponse:
    group = await groups.create(
        session, groups.parse_group(await read_json(request)), actor_id=principal.user_id, scoped=scoped
    )
    doc = groups.to_doc(group, list(await group_service.members(session, group)), base_url(request))
    return scim(doc, 201, doc["meta"]["location"])


@router.get("/Groups/{group_id}")
async def get_group(group_id: str, request: Request, session: SessionDep, scoped: ScopedDep) -> JSONResponse:
    group = await groups.get(session, group_id, scoped=scoped)
    doc = groups.to_doc(group, list(await group_service.members(session, group)), base_url(request))
    return scim(project_params(doc, dict(request.query_params)))


@router.put("/Groups/{group_id}")
async def replace_group(
    group_id: str, request: Request, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> JSONResponse:
    group = await groups.get(session, group_id, scoped=scoped)
    data = groups.parse_group(await read_json(request))
    await groups.replace(session, group, data, actor_id=principal.user_id, scoped=scoped)
    return scim(groups.to_doc(group, list(await group_service.members(session, group)), base_url(request)))


@router.patch("/Groups/{group_id}")
async def patch_group(
    group_id: str, request: Request, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> JSONResponse:
    body = _patch_body(await read_json(request))
    group = await groups.get(session, group_id, scoped=scoped)
    base = base_url(request)
    current = groups.to_doc(group, list(await group_service.members(session, group)), base)
    patched = apply_patch(current, body, groups.MULTI)
    await groups.replace(
        session, group, groups.parse_group(patched), actor_id=principal.user_id, scoped=scoped
    )
    return scim(groups.to_doc(group, list(await group_service.members(session, group)), base))


@router.delete("/Groups/{group_id}", status_code=204)
async def delete_group(
    group_id: str, principal: PrincipalDep, session: SessionDep, scoped: ScopedDep
) -> Response:
    await groups.delete(
        session, await groups.get(session, group_id, scoped=scoped), actor_id=principal.user_id
    )
    return Response(status_code=204)


fallback = APIRouter(prefix=PREFIX, route_class=ScimRoute, tags=["scim"])


@fallback.api_route(
    "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def unknown_endpoint(path: str) -> JSONResponse:
    if path.split("/", 1)[0] in KNOWN:
        raise ScimError(405, "This method is not allowed on this SCIM endpoint.")
    raise ScimError(404, f"There is no SCIM endpoint /{path[:100]}.")


def _patch_body(body: dict[str, Any]) -> dict[str, Any]:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise invalid(f"A PATCH body must declare the schema {PATCH_SCHEMA}.", "invalidSyntax")
    if not isinstance(body.get("Operations"), list) or not body["Operations"]:
        raise invalid("A PatchOp needs a non-empty Operations list.", "invalidSyntax")
    return body
