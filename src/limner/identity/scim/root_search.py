"""SCIM root search (RFC 7644 3.4.3, POST /scim/v2/.search): Users, then Groups.

A filter applies to the resource types that know its attribute; one that no type knows is a 400
invalidFilter."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from limner.identity.accounts import groups as group_service
from limner.identity.scim import groups, users
from limner.identity.scim.errors import ScimError, invalid
from limner.identity.scim.query import parse_filter


async def search_all(
    session: AsyncSession, filter_text: Any, limit: int, base: str, scoped: bool
) -> tuple[int, list[dict[str, Any]]]:
    """(total matches over both types, the first `limit` documents: users first)."""
    flt = parse_filter(filter_text)
    total, docs, refused = 0, [], 0
    try:
        count, user_rows = await users.search(session, flt, 0, limit, scoped=scoped)
        total += count
        docs += [users.to_doc(u, await users.memberships(session, u), base) for u in user_rows]
    except ScimError:
        refused += 1
    try:
        count, group_rows = await groups.search(session, flt, 0, limit, scoped=scoped)
        total += count
        docs += [groups.to_doc(g, list(await group_service.members(session, g)), base) for g in group_rows]
    except ScimError:
        refused += 1
    if refused == 2:
        raise invalid("No resource type supports this filter.", "invalidFilter")
    return total, docs
