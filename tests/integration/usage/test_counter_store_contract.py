"""Integration tests: the CounterStore contract, run against every member of CounterStoreConfig built
through `build_counter_store` (database on SQLite and on PostgreSQL, Redis) and the in-memory fake.

The contract (usage/counters.py): try_add adds every amount or nothing and names the item that would pass
its limit; subtract gives amounts back; it stays exact when requests race."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest
from pydantic import TypeAdapter

from limner.db import make_engine, make_sessions, utcnow
from limner.usage.config import CounterStoreConfig
from limner.usage.counters import CounterItem, CounterStore, MemoryCounterStore, build_counter_store
from limner.usage.models import UsageCounter

CONFIGS = TypeAdapter[CounterStoreConfig](CounterStoreConfig)
KINDS = ["database", "redis"]
COUNTERS = UsageCounter.metadata.tables[UsageCounter.__tablename__]
EXPIRES = utcnow() + timedelta(days=1)


def _item(key: str, amount: int, limit: int) -> CounterItem:
    return CounterItem(key=key, amount=amount, limit=limit, expires_at=EXPIRES)


@pytest.fixture(
    params=[
        "database",
        pytest.param("database-postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        "memory",
    ]
)
def kind_and_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    kind: str = request.param
    if kind == "database-postgres":  # a fresh database: counters from other tests stay out
        return "database", request.getfixturevalue("pg_fresh_database")
    return kind, f"sqlite+aiosqlite:///{tmp_path / 'limner.db'}"


@pytest.fixture
async def store(kind_and_url: tuple[str, str]) -> AsyncIterator[CounterStore]:
    kind, url = kind_and_url
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(UsageCounter.metadata.create_all, tables=[COUNTERS])
    if kind == "memory":
        built: CounterStore = MemoryCounterStore()
    else:
        raw = {"kind": kind} | ({"prefix": f"{{limner-test-{uuid.uuid4().hex}}}:"} if kind == "redis" else {})
        built = build_counter_store(CONFIGS.validate_python(raw), make_sessions(engine))
    try:
        yield built
    finally:
        await _forget(built)
        await built.aclose()
        await engine.dispose()


async def _forget(store: CounterStore) -> None:
    """Redis outlives the test: remove the keys under this test's own prefix."""
    client = getattr(store, "client", None)
    if client is not None:
        prefix = getattr(store, "prefix", "")
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(CounterStoreConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == KINDS


async def test_unknown_counters_are_unused(store: CounterStore) -> None:
    assert await store.used("user:nobody:day") == 0


async def test_adds_within_the_limit_count_up_to_it_exactly(store: CounterStore) -> None:
    assert await store.try_add([_item("k", 3, 5)]) is None
    assert await store.try_add([_item("k", 2, 5)]) is None
    assert await store.used("k") == 5
    refused = _item("k", 1, 5)
    assert await store.try_add([refused]) == refused
    assert await store.used("k") == 5


async def test_a_batch_adds_everything_or_nothing(store: CounterStore) -> None:
    assert await store.try_add([_item("user", 1, 10), _item("group", 4, 5)]) is None
    over = _item("group", 2, 5)
    assert await store.try_add([_item("user", 1, 10), over, _item("key", 1, 10)]) == over
    assert [await store.used(k) for k in ("user", "group", "key")] == [1, 4, 0]


async def test_subtract_gives_back_what_was_added(store: CounterStore) -> None:
    items = [_item("a", 2, 3), _item("b", 3, 3)]
    assert await store.try_add(items) is None
    assert await store.try_add([_item("b", 1, 3)]) is not None
    await store.subtract(items)
    assert [await store.used("a"), await store.used("b")] == [0, 0]
    assert await store.try_add([_item("b", 3, 3)]) is None


async def test_a_zero_limit_refuses_any_amount(store: CounterStore) -> None:
    item = _item("frozen", 1, 0)
    assert await store.try_add([item]) == item
    assert await store.used("frozen") == 0


async def test_racing_requests_never_pass_the_limit(store: CounterStore) -> None:
    results = await asyncio.gather(*(store.try_add([_item("race", 1, 7)]) for _ in range(16)))
    assert sum(result is None for result in results) == 7
    assert await store.used("race") == 7
