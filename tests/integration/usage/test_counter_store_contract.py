"""Integration tests: the CounterStore contract, run against every implementation — the database
store (SQLite here; PostgreSQL under concurrency in test_quotas.py), the Redis store on a live Redis,
and the in-memory fake — plus the factory that picks one from settings.

Unit twin: tests/unit/usage/test_quota_plan.py (the counters a request adds to, pure)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from limner.components import Components
from limner.db import utcnow
from limner.usage.config import DatabaseCounterConfig, RedisCounterConfig
from limner.usage.counters import (
    CounterItem,
    CounterStore,
    DatabaseCounterStore,
    MemoryCounterStore,
    RedisCounterStore,
    build_counter_store,
)

KINDS = ["database", "redis", "memory"]


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest, components: Components) -> AsyncIterator[CounterStore]:
    kind = request.param
    if kind == "database":
        built: CounterStore = build_counter_store(DatabaseCounterConfig(), components.sessions)
    elif kind == "redis":
        built = build_counter_store(
            RedisCounterConfig(prefix=f"{{limner-test-{uuid.uuid4().hex}}}:"), components.sessions
        )
    else:
        built = MemoryCounterStore()
    try:
        yield built
    finally:
        if isinstance(built, RedisCounterStore):
            keys = [k async for k in built.client.scan_iter(match=built.prefix + "*")]
            if keys:
                await built.client.delete(*keys)
        await built.aclose()


def item(key: str, amount: int, limit: int) -> CounterItem:
    return CounterItem(key, amount, limit, utcnow() + timedelta(days=1))


async def test_an_unknown_counter_has_used_nothing(store: CounterStore) -> None:
    assert await store.used("never-touched") == 0


async def test_amounts_add_up_to_the_limit_exactly_and_not_one_more(store: CounterStore) -> None:
    assert await store.try_add([item("day", 3, 5)]) is None
    assert await store.try_add([item("day", 2, 5)]) is None
    over = item("day", 1, 5)
    assert await store.try_add([over]) == over
    assert await store.used("day") == 5


async def test_try_add_is_all_or_nothing_and_names_the_item_over_its_limit(store: CounterStore) -> None:
    day, month = item("a-day", 2, 10), item("b-month", 2, 3)
    assert await store.try_add([day, month]) is None
    assert await store.try_add([day, month]) == month
    assert (await store.used("a-day"), await store.used("b-month")) == (2, 2)


@pytest.mark.parametrize(("amount", "limit"), [(1, 0), (6, 5)])
async def test_a_single_request_larger_than_the_limit_adds_nothing(
    store: CounterStore, amount: int, limit: int
) -> None:
    too_big = item("big", amount, limit)
    assert await store.try_add([too_big]) == too_big
    assert await store.used("big") == 0


async def test_subtract_gives_back_what_a_failed_request_reserved(store: CounterStore) -> None:
    reserved = [item("user", 2, 4), item("key", 2, 4)]
    assert await store.try_add(reserved) is None
    await store.subtract(reserved)
    assert (await store.used("user"), await store.used("key")) == (0, 0)
    assert await store.try_add([item("user", 4, 4)]) is None


@pytest.mark.parametrize(
    ("config", "cls"),
    [(DatabaseCounterConfig(), DatabaseCounterStore), (RedisCounterConfig(), RedisCounterStore)],
)
async def test_the_factory_builds_the_configured_store(
    components: Components, config: DatabaseCounterConfig | RedisCounterConfig, cls: type
) -> None:
    built = build_counter_store(config, components.sessions)
    try:
        assert isinstance(built, cls)
    finally:
        await built.aclose()
