"""SCIM list responses (RFC 7644 §3.4.2): paging, attribute projection and search bodies, for Users,
Groups and the root search alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from limner.identity.accounts.models import Group, User
from limner.identity.scim.errors import invalid
from limner.identity.scim.query import EqFilter, paging, parse_filter, project
from limner.identity.scim.schema import LIST_SCHEMA, SEARCH_SCHEMA

Row = TypeVar("Row", User, Group)


class Search(Protocol[Row]):
    """users.search or groups.search: a total and one page of rows."""

    async def __call__(
        self, session: AsyncSession, flt: EqFilter | None, offset: int, limit: int, *, scoped: bool
    ) -> tuple[int, list[Row]]: ...


async def list_page(
    session: AsyncSession,
    params: dict[str, Any],
    scoped: bool,
    search: Search[Row],
    render: Callable[[Row], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """One ListResponse page of Users or Groups: filter, paging and attribute projection."""
    offset, limit = page_bounds(params)
    total, rows = await search(session, parse_filter(params.get("filter")), offset, limit, scoped=scoped)
    docs = [await render(row) for row in rows]
    return list_response([project_params(d, params) for d in docs], offset, total)


def list_response(resources: list[dict[str, Any]], offset: int, total: int | None = None) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(resources) if total is None else total,
        "startIndex": offset + 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def search_params(body: dict[str, Any]) -> dict[str, Any]:
    if SEARCH_SCHEMA not in (body.get("schemas") or []):
        raise invalid(f"A search body must declare the schema {SEARCH_SCHEMA}.", "invalidSyntax")
    params = {k: body.get(k) for k in ("filter", "startIndex", "count")}
    for key in ("attributes", "excludedAttributes"):
        if isinstance(body.get(key), list):
            params[key] = ",".join(str(a) for a in body[key])
    return params


def page_bounds(params: dict[str, Any]) -> tuple[int, int]:
    try:
        start = int(params["startIndex"]) if params.get("startIndex") is not None else None
        count = int(params["count"]) if params.get("count") is not None else None
    except (TypeError, ValueError) as exc:
        raise invalid("startIndex and count must be integers.") from exc
    return paging(start, count)


def project_params(doc: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    return project(doc, params.get("attributes"), params.get("excludedAttributes"))
