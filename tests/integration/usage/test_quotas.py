"""Integration: exact quota counters under concurrency (PostgreSQL, SQLite, Redis); 429 via the API."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import cast

import httpx
import pytest
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import create_async_engine

from limner.components import Components
from limner.db import make_sessions, utcnow
from limner.main import create_app
from limner.settings import Settings
from limner.usage.config import RedisCounterConfig
from limner.usage.counters import (
    CounterItem,
    CounterStore,
    DatabaseCounterStore,
    MemoryCounterStore,
    RedisCounterStore,
)
from limner.usage.models import UsageCounter
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller

ATTEMPTS, LIMIT = 60, 25


async def hammer(store: CounterStore, key: str) -> list[bool]:
    expires = utcnow() + timedelta(days=1)
    other = f"{key}:month"

    async def one() -> bool:
        items = [CounterItem(key, 1, LIMIT, expires), CounterItem(other, 1, 1000, expires)]
        return await store.try_add(items) is None

    return list(await asyncio.gather(*(one() for _ in range(ATTEMPTS))))


async def test_postgres_counters_are_exact_under_concurrency(pg_database: str) -> None:
    # A schema of its own: the session's shared database stays as other tests (migrations) expect it.
    schema = f"quota_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(pg_database, connect_args={"server_settings": {"search_path": schema}})
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await conn.run_sync(lambda sync: cast(Table, UsageCounter.__table__).create(sync))
        store = DatabaseCounterStore(make_sessions(engine))
        key = f"img:user:{uuid.uuid4().hex}:d"
        results = await hammer(store, key)
        assert results.count(True) == LIMIT
        assert await store.used(key) == LIMIT
        assert await store.used(f"{key}:month") == LIMIT  # all or nothing
        await store.subtract([CounterItem(key, 5, LIMIT, utcnow())])
        assert await store.used(key) == LIMIT - 5
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()


async def test_sqlite_counters_are_exact_under_concurrency(components: Components) -> None:
    store = DatabaseCounterStore(components.sessions)
    results = await hammer(store, "img:user:sqlite:d")
    assert results.count(True) == LIMIT
    assert await store.used("img:user:sqlite:d") == LIMIT


async def test_redis_counters_are_exact_under_concurrency() -> None:
    prefix = f"limner-test-{uuid.uuid4().hex}:"
    store = RedisCounterStore(RedisCounterConfig(prefix=prefix))
    try:
        results = await hammer(store, "img:user:redis:d")
        assert results.count(True) == LIMIT
        assert await store.used("img:user:redis:d") == LIMIT
        assert await store.used("img:user:redis:d:month") == LIMIT
        ttl = await store.client.ttl(prefix + "img:user:redis:d")
        assert 0 < ttl <= 86_400
        await store.subtract([CounterItem("img:user:redis:d", 3, LIMIT, utcnow())])
        assert await store.used("img:user:redis:d") == LIMIT - 3
    finally:
        keys = [k async for k in store.client.scan_iter(match=prefix + "*")]
        if keys:
            await store.client.delete(*keys)
        await store.aclose()


async def test_the_memory_fake_behaves_the_same() -> None:
    store = MemoryCounterStore()
    assert (await hammer(store, "k")).count(True) == LIMIT


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    quotas = {"per_user": {"per_day": 3}, "groups": {"design": {"budget_usd_per_month": "0.05"}}}
    return make_settings(data_dir, identity={"quotas": quotas})


async def test_over_the_limit_is_a_429_with_retry_after_and_reset_time(
    client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    body = {"model": "limner-local", "prompt": "a lighthouse", "size": "256x256", "n": 2}
    assert (await client.post("/v1/images/generations", json=body, headers=caller.headers)).status_code == 200
    refused = await client.post("/v1/images/generations", json=body, headers=caller.headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["x-limner-quota-reset"].endswith("T00:00:00Z")
    one = {**body, "n": 1}
    assert (await client.post("/v1/images/generations", json=one, headers=caller.headers)).status_code == 200


async def test_a_group_budget_stops_spending(data_dir: Path) -> None:
    from limner.components import build_components
    from limner.identity.accounts import groups
    from limner.identity.accounts.models import User

    quotas = {"groups": {"design": {"budget_usd_per_month": "0.05"}}}
    c = build_components(make_settings(data_dir / "budget", identity={"quotas": quotas}))
    await create_schema(c.engine)
    try:
        caller = await make_caller(c, roles=["creator"])
        async with c.sessions.begin() as session:
            group = await groups.create_group(session, name="design")
            user = await session.get(User, caller.user_id)
            assert user is not None
            await groups.add_members(session, group, [user.id])
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = {"model": "dall-e-3", "prompt": "a red kite", "size": "1024x1024", "quality": "standard"}
            first = await client.post("/v1/images/generations", json=body, headers=caller.headers)
            assert first.status_code == 200, first.text  # $0.04 of $0.05
            second = await client.post("/v1/images/generations", json=body, headers=caller.headers)
            assert second.status_code == 429
            assert "budget of $0.05" in second.json()["error"]["message"]
    finally:
        await c.aclose()
