"""Quota counter stores: a Protocol, a database store (atomic conditional UPDATE), a Redis store (Lua)
for cluster mode, and an in-memory fake. `settings.identity.quotas.store.kind` picks one."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, assert_never

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.errors import UnavailableError
from limner.usage.config import CounterStoreConfig, DatabaseCounterConfig, RedisCounterConfig
from limner.usage.models import UsageCounter


@dataclass(frozen=True, slots=True)
class CounterItem:
    key: str
    amount: int
    limit: int
    expires_at: datetime


class CounterStore(Protocol):
    async def try_add(self, items: Sequence[CounterItem]) -> CounterItem | None:
        """Add every item's amount, all or nothing. Returns the first item that would pass its
        limit (and adds nothing), or None when all were added. Exact under concurrency."""

    async def subtract(self, items: Sequence[CounterItem]) -> None:
        """Give back amounts added by try_add (a request that produced nothing)."""

    async def used(self, key: str) -> int: ...

    async def aclose(self) -> None: ...


class _Exceeded(Exception):
    def __init__(self, item: CounterItem) -> None:
        self.item = item


class DatabaseCounterStore:
    """One statement per counter: INSERT ... ON CONFLICT DO UPDATE SET used = used + n WHERE
    used + n <= limit. The row lock makes it exact on PostgreSQL, and SQLite's BEGIN IMMEDIATE
    serialises writers; a row count of 0 means the limit would be passed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def try_add(self, items: Sequence[CounterItem]) -> CounterItem | None:
        too_big = next((item for item in items if item.amount > item.limit), None)
        if too_big is not None:  # a new row would take it past its limit: refused without a write
            return too_big
        try:
            async with self.sessions.begin() as session:
                for item in sorted(items, key=lambda i: i.key):  # one lock order: no deadlocks
                    await self._add(session, item)
        except _Exceeded as exc:  # the transaction rolled back: nothing was added
            return exc.item
        return None

    async def _add(self, session: AsyncSession, item: CounterItem) -> None:
        params = {"k": item.key, "n": item.amount, "exp": item.expires_at, "cap": item.limit}
        result = await session.execute(_upsert(session.get_bind().dialect.name), params)
        if not getattr(result, "rowcount", 0):
            raise _Exceeded(item)

    async def subtract(self, items: Sequence[CounterItem]) -> None:
        async with self.sessions.begin() as session:
            for item in sorted(items, key=lambda i: i.key):
                await session.execute(
                    update(UsageCounter)
                    .where(UsageCounter.key == item.key)
                    .values(used=UsageCounter.used - item.amount)
                    .execution_options(synchronize_session=False)
                )

    async def used(self, key: str) -> int:
        async with self.sessions() as session:
            row = await session.get(UsageCounter, key)
            return row.used if row else 0

    async def aclose(self) -> None:
        return None


@functools.cache
def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE with bound values, built once per dialect (a statement object
    keeps its cache key, so each request skips building both)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = UsageCounter.__table__
    assert isinstance(table, Table)
    columns = table.c
    new = insert(table).values(
        key=bindparam("k", type_=columns["key"].type),
        used=bindparam("n", type_=columns["used"].type),
        expires_at=bindparam("exp", type_=columns["expires_at"].type),
    )
    total = columns["used"] + new.excluded.used
    limit = bindparam("cap", type_=columns["used"].type)
    return new.on_conflict_do_update(
        index_elements=[columns["key"]], set_={"used": total}, where=total <= limit
    )


# Check every key first, then add to all: a script runs atomically, so no other client sees a half.
_TRY_ADD = """
local n = #KEYS
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used + tonumber(ARGV[i]) > tonumber(ARGV[n + i]) then return i end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[i], ARGV[i])
  redis.call('EXPIREAT', KEYS[i], ARGV[2 * n + i])
end
return 0
"""


class RedisCounterStore:
    """For several replicas. All keys share one hash tag in the default prefix, so the script also
    works on Redis Cluster."""

    def __init__(self, config: RedisCounterConfig) -> None:
        try:
            from redis.asyncio import Redis
        except ImportError as exc:  # pragma: no cover - the extra is part of limner[redis]
            raise RuntimeError("The Redis counter store needs `pip install 'limner[redis]'`.") from exc
        self.prefix = config.prefix
        self.client: Any = Redis.from_url(config.url)
        self.script: Any = self.client.register_script(_TRY_ADD)

    async def try_add(self, items: Sequence[CounterItem]) -> CounterItem | None:
        keys = [self.prefix + i.key for i in items]
        args = [*(i.amount for i in items), *(i.limit for i in items)]
        args += [int(i.expires_at.timestamp()) for i in items]
        async with _reachable():
            failed = int(await self.script(keys=keys, args=args))
        return items[failed - 1] if failed else None

    async def subtract(self, items: Sequence[CounterItem]) -> None:
        async with _reachable(), self.client.pipeline(transaction=True) as pipe:
            for item in items:
                pipe.decrby(self.prefix + item.key, item.amount)
            await pipe.execute()

    async def used(self, key: str) -> int:
        async with _reachable():
            value = await self.client.get(self.prefix + key)
        return int(value or 0)

    async def aclose(self) -> None:
        await self.client.aclose()


@asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """A Redis outage is a clean 503 (nothing counted), never a 500; the URL may hold a password, so
    the message does not repeat the driver's."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise UnavailableError("The quota counter store (Redis) is not reachable.") from exc


class MemoryCounterStore:
    """The fake: one process only (tests and single-process development)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.lock = asyncio.Lock()

    async def try_add(self, items: Sequence[CounterItem]) -> CounterItem | None:
        async with self.lock:
            for item in items:
                if self.counts.get(item.key, 0) + item.amount > item.limit:
                    return item
            for item in items:
                self.counts[item.key] = self.counts.get(item.key, 0) + item.amount
        return None

    async def subtract(self, items: Sequence[CounterItem]) -> None:
        async with self.lock:
            for item in items:
                self.counts[item.key] = self.counts.get(item.key, 0) - item.amount

    async def used(self, key: str) -> int:
        return self.counts.get(key, 0)

    async def aclose(self) -> None:
        return None


def build_counter_store(
    config: CounterStoreConfig, sessions: async_sessionmaker[AsyncSession]
) -> CounterStore:
    match config:
        case DatabaseCounterConfig():
            return DatabaseCounterStore(sessions)
        case RedisCounterConfig():
            return RedisCounterStore(config)
        case _:
            assert_never(config)
