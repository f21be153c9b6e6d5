"""Integration tests: the SQLite engine's one-hand-off cursor (limner.db) behaves as a DB-API cursor:
rows, row counts (conditional upserts rely on them), many-row inserts, errors and rollback; statements run
with SEND_LATER go to SQLite's thread with the next statement or the commit, and a failure among them
leaves nothing written and the writer turn handed on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import CursorResult, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from limner.db import SEND_LATER, make_engine, make_sessions, reading
from limner.sqlite_driver import writers_of

INSERT = text("INSERT INTO t (k) VALUES (:k)")


async def test_rows_counts_many_and_errors(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)"))
            await conn.execute(
                text("INSERT INTO t (k, n) VALUES (:k, :n)"), [{"k": "a", "n": 1}, {"k": "b", "n": 2}]
            )
            upsert = text(
                "INSERT INTO t (k, n) VALUES (:k, :n) ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n "
                "WHERE t.n + excluded.n <= 3"
            )
            assert (await conn.execute(upsert, {"k": "a", "n": 2})).rowcount == 1
            assert (await conn.execute(upsert, {"k": "a", "n": 1})).rowcount == 0  # past the limit
            rows = (await conn.execute(text("SELECT k, n FROM t ORDER BY k"))).all()
        assert [tuple(r) for r in rows] == [("a", 3), ("b", 2)]
        async with engine.connect() as conn:
            await conn.begin()
            await conn.execute(text("INSERT INTO t (k, n) VALUES ('c', 1)"))
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (k, n) VALUES ('a', 1)"))
            await conn.rollback()
        async with engine.connect() as conn:  # the failed transaction left nothing
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
            assert (await conn.execute(text("SELECT n FROM t WHERE k = 'none'"))).first() is None
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'deferred.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def handoffs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function handed to aiosqlite's thread, in order."""
    seen: list[str] = []
    execute: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def keys(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT k FROM t ORDER BY rowid"))).scalars())


async def test_deferred_statements_go_with_the_next_statement_and_the_commit(
    engine: AsyncEngine, handoffs: list[str]
) -> None:
    """BEGIN, three inserts, a SELECT, two inserts and COMMIT: two hand-offs, in order."""
    async with make_sessions(engine).begin() as session:
        await session.execute(INSERT, [{"k": "a"}, {"k": "b"}], execution_options=SEND_LATER)
        await session.execute(INSERT, {"k": "c"}, execution_options=SEND_LATER)
        result = await session.execute(text("SELECT count(*) FROM t"))
        assert result.scalar() == 3  # the deferred rows were written before it
        deferred = await session.execute(INSERT, [{"k": "d"}, {"k": "e"}], execution_options=SEND_LATER)
        assert cast(CursorResult[Any], deferred).rowcount == -1  # not sent yet: DB-API's "unknown"
        assert handoffs == ["_send"]
    assert handoffs == ["_send", "_send_and_commit"]
    assert await keys(engine) == ["a", "b", "c", "d", "e"]


async def test_a_transaction_that_sends_nothing_costs_no_hand_off(
    engine: AsyncEngine, handoffs: list[str]
) -> None:
    async with make_sessions(engine).begin() as session:
        await session.connection()  # BEGIN IMMEDIATE, kept until a statement needs it
        assert writers_of(engine).held
    async with reading(make_sessions(engine)):
        pass
    assert handoffs == []
    assert not writers_of(engine).held


async def test_a_batch_that_fails_half_way_writes_nothing_and_hands_the_turn_on(
    engine: AsyncEngine,
) -> None:
    await write(engine, "taken")

    async def batch() -> None:
        async with make_sessions(engine).begin() as session:
            await session.execute(INSERT, {"k": "first"}, execution_options=SEND_LATER)
            await session.execute(INSERT, {"k": "taken"}, execution_options=SEND_LATER)  # fails
            await session.execute(INSERT, {"k": "never"}, execution_options=SEND_LATER)

    with pytest.raises(IntegrityError) as failed:
        await batch()
    notes = getattr(failed.value.orig, "__notes__", [])
    assert any("deferred statement: INSERT INTO t" in note for note in notes)
    assert await keys(engine) == ["taken"]  # "first" was rolled back with the commit that failed
    assert not writers_of(engine).held
    await write(engine, "after")
    assert await keys(engine) == ["taken", "after"]


async def test_a_deferred_failure_raises_from_the_statement_that_sends_it(engine: AsyncEngine) -> None:
    await write(engine, "taken")
    async with make_sessions(engine)() as session:
        await session.begin()
        await session.execute(INSERT, {"k": "first"}, execution_options=SEND_LATER)
        await session.execute(INSERT, {"k": "taken"}, execution_options=SEND_LATER)
        with pytest.raises(IntegrityError):
            await session.execute(text("SELECT count(*) FROM t"))
        await session.rollback()
    assert await keys(engine) == ["taken"]
    assert not writers_of(engine).held


async def test_a_writer_cancelled_with_deferred_statements_sends_none_and_hands_the_turn_on(
    engine: AsyncEngine,
) -> None:
    inside = asyncio.Event()

    async def stuck() -> None:
        async with make_sessions(engine).begin() as session:
            await session.execute(INSERT, {"k": "cancelled"}, execution_options=SEND_LATER)
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    queued = asyncio.create_task(write(engine, "queued"))
    async with asyncio.timeout(30):  # a hang guard, not a timing check
        while writers_of(engine).waiting != 1:
            await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await queued
    assert await keys(engine) == ["queued"]
    assert not writers_of(engine).held


async def write(engine: AsyncEngine, key: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"k": key})


async def test_a_failed_connect_leaves_no_sqlite_thread_behind(tmp_path: Path) -> None:
    # aiosqlite stops its thread after a failed connect without waiting; a thread still running when
    # the event loop closes would raise there ("Event loop is closed").
    def workers() -> int:
        return sum(t.name.endswith("(_connection_worker_thread)") for t in threading.enumerate())

    before = workers()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    try:
        with pytest.raises(OperationalError, match="unable to open database file"):
            async with engine.connect():
                pass
        assert workers() == before
    finally:
        await engine.dispose()
