"""Integration tests: the writers of one SQLite engine queue in order on the event loop (limner.sqlite_driver)
and the turn is always handed on: after a commit, a rollback, an exception, a cancelled task (queued or
holding) and an invalidated connection. Readers stay outside the queue; two engines on one file (two
processes) still meet SQLite's own lock and its busy timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from limner.db import make_engine, make_sessions, reading
from limner.sqlite_driver import writers_of

pytestmark = pytest.mark.sqlite_only  # SQLite's single writer
INSERT = text("INSERT INTO t (k) VALUES (:k)")


async def until(condition: Callable[[], bool]) -> None:
    """Wait until the other tasks reach the state the test needs (a hang guard, not a timing check)."""
    async with asyncio.timeout(30):
        while not condition():
            await asyncio.sleep(0.005)


def begins(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return seen


async def keys(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT k FROM t ORDER BY rowid"))).scalars())


async def write(engine: AsyncEngine, key: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"k": key})


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY)"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def holder(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a write transaction: it holds the engine's writer turn."""
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(INSERT, {"k": "holder"})
        assert writers_of(engine).held
        yield conn


async def test_writers_queue_in_order_and_do_not_meet_the_busy_handler(
    engine: AsyncEngine, holder: AsyncConnection
) -> None:
    seen = begins(engine)
    queued = []
    for i in range(5):  # one after another: the order they join the queue
        queued.append(asyncio.create_task(write(engine, f"w{i}")))
        await until(lambda: writers_of(engine).waiting == len(queued))
    assert seen == []  # queued on the loop, not waiting inside BEGIN IMMEDIATE
    await holder.commit()
    await asyncio.gather(*queued)
    assert seen == ["BEGIN IMMEDIATE"] * 5
    assert await keys(engine) == ["holder", "w0", "w1", "w2", "w3", "w4"]


async def test_a_reader_does_not_queue_behind_the_writer(
    engine: AsyncEngine, holder: AsyncConnection
) -> None:
    async with reading(make_sessions(engine)) as session:
        assert list((await session.execute(text("SELECT k FROM t"))).scalars()) == []
    assert writers_of(engine).waiting == 0
    await holder.rollback()


async def test_a_writer_cancelled_while_queued_holds_nothing(
    engine: AsyncEngine, holder: AsyncConnection
) -> None:
    cancelled = asyncio.create_task(write(engine, "cancelled"))
    await until(lambda: writers_of(engine).waiting == 1)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await holder.commit()
    await write(engine, "after")
    assert await keys(engine) == ["holder", "after"]
    assert not writers_of(engine).held


async def test_a_writer_cancelled_while_holding_the_turn_hands_it_on(engine: AsyncEngine) -> None:
    inside = asyncio.Event()

    async def stuck() -> None:
        async with engine.begin() as conn:
            await conn.execute(INSERT, {"k": "stuck"})
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    queued = asyncio.create_task(write(engine, "queued"))
    await until(lambda: writers_of(engine).waiting == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await queued
    assert await keys(engine) == ["queued"]  # the cancelled transaction was rolled back
    assert not writers_of(engine).held


async def test_an_exception_in_a_write_transaction_rolls_back_and_hands_the_turn_on(
    engine: AsyncEngine,
) -> None:
    """The failing transaction is rolled back; the request queued behind it keeps its own write."""
    behind: list[asyncio.Task[None]] = []

    async def failing() -> None:
        async with make_sessions(engine).begin() as session:
            await session.execute(INSERT, {"k": "lost"})
            behind.append(asyncio.create_task(write(engine, "behind")))
            await until(lambda: writers_of(engine).waiting == 1)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await failing()
    await behind[0]
    await write(engine, "after")
    assert await keys(engine) == ["behind", "after"]


async def test_an_invalidated_connection_hands_the_turn_on(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(INSERT, {"k": "invalidated"})
        queued = asyncio.create_task(write(engine, "queued"))
        await until(lambda: writers_of(engine).waiting == 1)
        await conn.invalidate()
    await queued
    assert await keys(engine) == ["queued"]
    assert not writers_of(engine).held


async def test_two_engines_on_one_file_meet_sqlites_lock_and_wait_for_it(
    engine: AsyncEngine, holder: AsyncConnection, tmp_path: Path
) -> None:
    """Like a second process (`serve --workers 2`, a CLI command): its writer waits in SQLite's busy
    handler, not in this engine's queue, and goes on once the first commits."""
    other = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    try:
        seen = begins(other)
        task = asyncio.create_task(write(other, "other"))
        await until(lambda: seen == ["BEGIN IMMEDIATE"])  # issued while the first engine holds the lock
        assert writers_of(engine).waiting == 0
        await holder.commit()
        await task
    finally:
        await other.dispose()
    assert await keys(engine) == ["holder", "other"]


async def test_a_writer_that_waits_too_long_fails_as_database_locked(
    engine: AsyncEngine, holder: AsyncConnection
) -> None:
    """As SQLite's busy timeout would end it (a 503 for a request), never an endless wait: e.g. code that
    opens a second writing transaction while its first one holds the turn."""
    writers_of(engine).timeout_s = 0.05
    with pytest.raises(OperationalError, match="database is locked"):
        await write(engine, "too late")
    assert writers_of(engine).waiting == 0
    await holder.commit()
    await write(engine, "after")
    assert await keys(engine) == ["holder", "after"]
