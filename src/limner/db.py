"""Database plumbing: the declarative Base, engines and session factories. Nothing runs at import."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from limner.errors import InvalidRequestError
from limner.sqlite_driver import (
    BUSY_TIMEOUT_S,
    DEFERRED,
    READ_ONLY,
    sqlite_begin,
    sqlite_dbapi,
    sqlite_defer,
    sqlite_pragmas,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        # Pooled connections keep their PRAGMAs: a new connection per transaction cost more than
        # the transaction itself. Each engine has its own driver module, and with it its own
        # writer queue (limner.sqlite_driver).
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_S},
            pool_size=8,
            max_overflow=8,
            module=sqlite_dbapi(),
        )
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", sqlite_begin)
        event.listen(engine.sync_engine, "before_cursor_execute", sqlite_defer)
    else:
        engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_nul)
    return engine


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    # PostgreSQL cannot store NUL in text and fails the statement (a 500); SQLite would store it.
    # Refuse it on both as bad input, before the database sees it; the caller's transaction rolls back.
    for row in parameters if executemany else (parameters,):
        values = row.values() if isinstance(row, dict) else row or ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise InvalidRequestError("text must not contain NUL (U+0000) characters", code="nul_character")


# Execution options for a statement whose result the caller does not read (an INSERT without
# RETURNING): on SQLite it is sent with the transaction's next statement or its COMMIT, in one
# hand-off to SQLite's thread (limner.sqlite_driver); PostgreSQL ignores it. Its errors surface there.
SEND_LATER = {DEFERRED: True}


async def take_turn(session: AsyncSession, key: int) -> None:
    """Until the caller's transaction ends, no other transaction holding `key` runs: for a write
    that reads before it writes (the next version number, the audit chain head). A PostgreSQL
    advisory transaction lock; SQLite's writing transactions already take turns (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reads only: on SQLite it does not queue for the write lock."""
    async with sessions() as session:
        await session.connection(execution_options={READ_ONLY: True})
        yield session


def database_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "the database is down or restarting", not "this query is wrong":
    the request gets a 503 and pool_pre_ping reconnects once the database is back."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, ConnectionError) or type(exc).__name__ == "CannotConnectNowError"


async def insert_if_absent(session: AsyncSession, model: Any, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike: create the row unless one
    with the same primary key exists; safe under concurrent callers."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert(model).values(**values).on_conflict_do_nothing())


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = [
    "SEND_LATER",
    "Base",
    "UTCDateTime",
    "make_engine",
    "make_sessions",
    "new_id",
    "reading",
    "take_turn",
    "utcnow",
]
