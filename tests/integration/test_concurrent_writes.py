"""Integration tests: many requests writing at once through the HTTP API all succeed (no 500, no 503
"database is locked") and every one's records are kept: on SQLite its writers queue in one process."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.imaging.records import Generation, GenerationStatus
from tests.factories import Caller

GEN = "/v1/images/generations"
CONCURRENT = 24


async def test_concurrent_generations_all_succeed_and_nothing_is_lost(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    body = {"model": "fake-model", "prompt": "a lighthouse"}
    responses = await asyncio.gather(
        *(client.post(GEN, headers=creator.headers, json=body) for _ in range(CONCURRENT))
    )
    assert [r.status_code for r in responses] == [200] * CONCURRENT, [r.text for r in responses]
    async with components.sessions() as session:
        statuses = (await session.execute(select(Generation.status))).scalars().all()
        events = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert statuses == [GenerationStatus.COMPLETED] * CONCURRENT
    assert events is not None
    assert events >= 2 * CONCURRENT  # each one's "requested" and "generated"
