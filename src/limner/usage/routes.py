"""Usage API: images, cost and policy outcomes per person, group, key, model or day (usage.read)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends

from limner.db import utcnow
from limner.deps import SessionDep, SettingsDep, require
from limner.identity.permissions import Permission
from limner.usage.stats import Dimension, parse_period, usage

router = APIRouter(prefix="/v1/limner/usage", dependencies=[Depends(require(Permission.USAGE_READ))])


@router.get("")
async def get_usage(
    session: SessionDep,
    settings: SettingsDep,
    by: Dimension = "user",
    since: str = "30d",
    until: datetime | None = None,
    daily: bool = False,
) -> dict[str, Any]:
    """`since` is a period back from now (30d, 12h); `daily` splits each row per UTC day."""
    end = (until if until.tzinfo else until.replace(tzinfo=UTC)) if until else utcnow()
    start = end - parse_period(since)
    rows = await usage(
        session, by=by, since=start, until=end, catalog=settings.generation.models, daily=daily
    )
    return {"by": by, "since": start, "until": end, "data": [r.as_dict() for r in rows]}
