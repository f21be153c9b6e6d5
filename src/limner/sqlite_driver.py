"""SQLite's driver for the async engine: aiosqlite with one hand-off per statement, the connection
PRAGMAs, and the writer queue. Nothing runs at import.

The writer queue: SQLite lets one transaction write at a time. Writers that meet its lock wait in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and serves nobody in order, so
sixteen concurrent requests of one process saw multi-second waits. The writers of one engine now
queue first-come first-served on the event loop instead: the queue is joined just before
BEGIN IMMEDIATE and left when that transaction commits, rolls back, or its connection is closed or
invalidated. The busy handler (busy_timeout) is then met only across processes (`serve --workers N`,
a CLI command beside the server). Read-only transactions (plain BEGIN) never join the queue.

Deferred statements: a hand-off to aiosqlite's thread costs far more than SQLite's own work on a
statement, and on a busy event loop each one also waits behind the other requests' work. A statement
executed with the execution option DEFERRED (whose result the caller does not read: an INSERT without
RETURNING, say) is kept on the connection and sent with the next statement or the COMMIT, in one
hand-off, in order; BEGIN is always deferred. So a transaction of BEGIN, three inserts, one SELECT, two
inserts and COMMIT is two hand-offs, not eight. A deferred statement that fails raises from the
statement or commit that sent it (with a note naming it); a commit that fails rolls the whole
transaction back before it raises, so nothing of it is written. PostgreSQL ignores the option."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from typing import Any, cast

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
DEFERRED = "limner_deferred"  # execution option: send with the next statement or the COMMIT (SQLite)
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


class _Deferred:
    """What a deferred statement's cursor reports: no rows, no count yet (DB-API's -1)."""

    description = None
    rowcount = -1
    lastrowid = None


_DEFERRED_RESULT = _Deferred()
Pending = tuple[str, Any, bool]  # SQL, parameters, executemany


def _send(conn: sqlite3.Connection, pending: list[Pending], last: Pending | None) -> Any:
    """On aiosqlite's thread: the deferred statements in order, then `last` (its rows fetched)."""
    for sql, parameters, many in pending:
        try:
            if many:
                conn.executemany(sql, parameters)
            else:
                conn.execute(sql, parameters)
        except sqlite3.Error as exc:
            exc.add_note(f"raised by a deferred statement: {sql[:200]}")  # the SQL, never its values
            raise
    if last is None:
        return None, []
    sql, parameters, many = last
    cursor = conn.executemany(sql, parameters) if many else conn.execute(sql, parameters)
    return cursor, cursor.fetchall() if cursor.description else []


def _send_and_commit(conn: sqlite3.Connection, pending: list[Pending], hand_on: _HandOn) -> None:
    """On aiosqlite's thread: the deferred statements and COMMIT; on any failure, a rollback first.
    The writer turn is handed on from here, as soon as SQLite is done: not after the committing task
    is next run by a busy event loop."""
    try:
        _send(conn, pending, None)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        hand_on()


class _HandOn:
    """Hands a writer turn on exactly once, from whichever thread calls first."""

    __slots__ = ("_box",)

    def __init__(self, turn: Turn | None) -> None:
        self._box = {"turn": turn}

    def __call__(self) -> None:
        turn = self._box.pop("turn", None)  # atomic: a second call finds nothing
        if turn is not None:
            WriterQueue.leave(turn)


def _unsent_begin(pending: list[Pending]) -> bool:
    """True when the transaction's BEGIN is still waiting here: nothing of it reached SQLite."""
    return bool(pending) and pending[0][0] in ("BEGIN", "BEGIN IMMEDIATE")


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor with one hand-off to aiosqlite's thread per statement sent (rows
    included) instead of three or four (open, execute, fetch, close): each hand-off costs far more
    than SQLite's own work on a statement. A statement marked DEFERRED (`defer_next`, set from its
    execution options) is not sent at all: its connection keeps it for the next hand-off. The sqlite3
    cursor is left to the garbage collector (closing it would be one more hand-off)."""

    __slots__ = ("_defer",)

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized: Any = {}
        self._rows = collections.deque()
        self._defer = False

    def defer_next(self) -> None:
        self._defer = True

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run((operation, () if parameters is None else parameters, False))

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run((operation, seq_of_parameters, True))

    async def _run(self, statement: Pending) -> Any:
        connection = cast(_OneHopConnection, self._adapt_connection)
        defer, self._defer = self._defer, False
        async with connection._execute_mutex:
            if defer:
                connection.pending.append(statement)
                self._cursor = _DEFERRED_RESULT  # type: ignore[assignment]
                self._rows = collections.deque()
                return self._cursor
            pending, connection.pending = connection.pending, []
            cursor, rows = await connection.to_thread(_send, pending, statement)
            self._cursor, self._rows = cursor, collections.deque(rows)
            return cursor

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The aiosqlite connection, holding its engine's writer turn from BEGIN IMMEDIATE to the end of
    that transaction, and the statements deferred until its next hand-off. Every way a transaction or
    connection ends hands the turn on. A commit or rollback with nothing to end (the pool's rollback
    at check-in, a transaction whose BEGIN was never sent) costs no hand-off."""

    __slots__ = ("_turn", "_unsettled", "_writers", "pending")
    _cursor_cls = _OneHopCursor

    def __init__(self, dbapi: Any, connection: Any, writers: WriterQueue) -> None:
        super().__init__(dbapi, connection)
        self._writers = writers
        self._turn: Turn | None = None
        self._unsettled = False  # a hand-off was cancelled: it may still be running on the thread
        self.pending: list[Pending] = []  # deferred statements, not yet sent to SQLite

    async def to_thread(self, function: Any, *args: Any) -> Any:
        """One hand-off: `function(sqlite3_connection, *args)` on aiosqlite's thread (its queue, the
        one every aiosqlite call goes through, as SQLAlchemy's own isolation-level setter does)."""
        try:
            return await self._connection._execute(function, self._connection._conn, *args)
        except asyncio.CancelledError:
            self._unsettled = True
            raise

    def _to_end(self, pending: list[Pending]) -> bool:
        """Whether ending the transaction needs SQLite: statements to send, or one open there."""
        connection = self._connection._connection
        if connection is None:
            return False
        unsent = pending[1:] if _unsent_begin(pending) else pending
        return bool(unsent) or self._unsettled or connection.in_transaction

    def queue_for_write(self) -> None:
        if self._turn is None:
            self._turn = await_(self._writers.join())

    def end_write(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            self._writers.leave(turn)

    def commit(self) -> None:
        """The deferred statements and COMMIT in one hand-off (a rollback first if any fails); the
        writer turn is handed on from SQLite's thread right after the COMMIT, or here if it never ran."""
        pending, self.pending = self.pending, []
        hand_on, self._turn = _HandOn(self._turn), None
        try:
            if self._to_end(pending):
                try:
                    await_(self.to_thread(_send_and_commit, pending, hand_on))
                except Exception as error:
                    self._handle_exception(error)
                self._unsettled = False
        finally:
            hand_on()

    def rollback(self) -> None:
        self.pending = []
        try:
            if self._to_end([]):  # deferred statements are dropped unsent
                super().rollback()
                self._unsettled = False
        finally:
            self.end_write()

    def close(self) -> None:
        self.pending = []
        try:
            super().close()
        finally:
            self.end_write()

    def terminate(self) -> None:
        self.pending = []
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
        connection = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own adapter sets it
        try:
            opened = await_(connection)
        except BaseException:
            # After a failed connect aiosqlite stops its thread without waiting for it: wait here, or
            # the thread may report to an event loop that has closed meanwhile (an error in a thread).
            await_(asyncio.to_thread(connection._thread.join))
            raise
        return _OneHopConnection(self, opened, self.writers)


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
    # a plain BEGIN lets them run beside the writer (WAL) and outside the queue. Either BEGIN is
    # deferred: it reaches SQLite with the transaction's first statement, in the same hand-off.
    deferred = {DEFERRED: True}
    if connection.get_execution_options().get(READ_ONLY, False):
        connection.exec_driver_sql("BEGIN", execution_options=deferred)
        return
    adapted = connection.connection.dbapi_connection
    adapted.queue_for_write()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE", execution_options=deferred)
    except BaseException:
        adapted.end_write()
        raise


def sqlite_defer(
    _conn: Any, cursor: Any, _statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    """before_cursor_execute: a statement executed with DEFERRED is kept for the next hand-off."""
    if context is not None and context.execution_options.get(DEFERRED, False):
        cursor.defer_next()


__all__ = [
    "BUSY_TIMEOUT_S",
    "DEFERRED",
    "READ_ONLY",
    "WriterQueue",
    "sqlite_begin",
    "sqlite_dbapi",
    "sqlite_defer",
    "sqlite_pragmas",
    "writers_of",
]
