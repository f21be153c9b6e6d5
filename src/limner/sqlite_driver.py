"""SQLite's driver for the async engine: aiosqlite with one hand-off per statement, the connection
PRAGMAs, and the writer queue. Nothing runs at import.

The writer queue: SQLite lets one transaction write at a time. Writers that meet its lock wait in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and serves nobody in order, so
sixteen concurrent requests of one process saw multi-second waits. The writers of one engine now
queue first-come first-served on the event loop instead: the queue is joined just before
BEGIN IMMEDIATE and left when that transaction commits, rolls back, or its connection is closed or
invalidated. The busy handler (busy_timeout) is then met only across processes (`serve --workers N`,
a CLI command beside the server). Read-only transactions (plain BEGIN) never join the queue."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import await_

READ_ONLY = "limner_read_only"
BUSY_TIMEOUT_S = 30  # SQLite's own wait for another process's writer, and the longest wait in the queue


Turn = tuple[asyncio.Lock, asyncio.AbstractEventLoop]


class WriterQueue:
    """One writing transaction at a time per engine, in arrival order, on the running event loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self.waiting = 0  # writers queued behind the one holding the turn
        self.timeout_s: float = BUSY_TIMEOUT_S

    @property
    def held(self) -> bool:
        return self._lock.locked()

    async def join(self) -> Turn:
        """Wait for the turn, to be handed back to `leave`; a task cancelled while waiting holds nothing."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # an engine used from a new loop (tests, CLI runs) gets a fresh queue
            self._loop, self._lock = loop, asyncio.Lock()
        lock = self._lock
        self.waiting += 1  # seen by no one when the lock is free: acquire() then does not yield
        try:
            async with asyncio.timeout(self.timeout_s):
                await lock.acquire()
        except TimeoutError:  # as SQLite's busy handler would end (a 503), never an endless wait
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            ) from None
        finally:
            self.waiting -= 1
        return lock, loop

    @staticmethod
    def leave(turn: Turn) -> None:
        """Hand the turn on; safe from any thread (a garbage-collected connection may end elsewhere)."""
        lock, loop = turn
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            lock.release()
        else:
            with contextlib.suppress(RuntimeError):  # that loop is closed: its queue went with it
                loop.call_soon_threadsafe(lock.release)


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor with one hand-off to aiosqlite's thread per statement (two for
    one that returns rows) instead of three or four (open, execute, fetch, close): each hand-off
    costs far more than SQLite's own work on a statement. Public aiosqlite calls only; the sqlite3
    cursor is left to the garbage collector (closing it would be one more hand-off)."""

    __slots__ = ()

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized: Any = {}
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            self._cursor = await self._connection.execute(operation, parameters)
            if self._cursor.description:
                self._rows = collections.deque(await self._cursor.fetchall())
            return self._cursor

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            self._cursor = await self._connection.executemany(operation, seq_of_parameters)
            return self._cursor

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The aiosqlite connection, holding its engine's writer turn from BEGIN IMMEDIATE to the end of
    that transaction. Every way a transaction or connection ends hands the turn on."""

    __slots__ = ("_turn", "_writers")

    def __init__(self, dbapi: Any, connection: Any, writers: WriterQueue) -> None:
        super().__init__(dbapi, connection)
        self._writers = writers
        self._turn: Turn | None = None

    def queue_for_write(self) -> None:
        if self._turn is None:
            self._turn = await_(self._writers.join())

    def end_write(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            self._writers.leave(turn)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_write()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_write()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_write()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self.end_write()


class _OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """One per engine: it carries that engine's writer queue."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.writers = WriterQueue()

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        return _OneHopConnection(self, super().connect(*arg, **kw)._connection, self.writers)


def writers_of(engine: AsyncEngine) -> WriterQueue:
    """The writer queue of a SQLite engine made by limner.db.make_engine."""
    dbapi = engine.sync_engine.dialect.loaded_dbapi
    assert isinstance(dbapi, _OneHopDBAPI), "not a SQLite engine of make_engine"
    return dbapi.writers


def sqlite_dbapi() -> Any:
    """The DB-API module for one SQLite engine (`create_async_engine(..., module=...)`)."""
    return _OneHopDBAPI()


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer commits; foreign keys are off by default in SQLite.
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking
    # on a read-to-write upgrade (which SQLite reports as "database is locked"); this engine's
    # writers queue in order before it (WriterQueue). Sessions opened with `reading` never write:
    # a plain BEGIN lets them run beside the writer (WAL) and outside the queue.
    if connection.get_execution_options().get(READ_ONLY, False):
        connection.exec_driver_sql("BEGIN")
        return
    adapted = connection.connection.dbapi_connection
    adapted.queue_for_write()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        adapted.end_write()
        raise


__all__ = [
    "BUSY_TIMEOUT_S",
    "READ_ONLY",
    "WriterQueue",
    "sqlite_begin",
    "sqlite_dbapi",
    "sqlite_pragmas",
    "writers_of",
]
