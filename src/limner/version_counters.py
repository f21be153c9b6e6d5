"""Version counters: what lets a per-process cache be trusted on every process and replica.

A counter is one row in its own table. Any committed change to the rows a cache depends on bumps it in the
same transaction (listeners on every ORM flush and bulk statement, so no write path can forget it). A cache
reads the counter (one small read, no write lock) and uses an entry only while the counter is unchanged."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, event, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

ROW_ID = 1


class CounterColumns:
    """The columns of a counter table (mixed into a model of the owning domain)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class VersionCounter:
    """The counter in `table`, bumped by any insert, update or delete of a `watched` model; changes to
    `ignored` columns alone (bookkeeping such as last-used stamps) do not count."""

    def __init__(
        self, table: type[CounterColumns], watched: tuple[type, ...], *, ignored: frozenset[str] = frozenset()
    ) -> None:
        self._table = table
        self._watched = watched
        self._ignored = ignored
        self._flag = f"{table.__tablename__}_bumped"  # type: ignore[attr-defined]

    async def current(self, session: AsyncSession) -> int:
        return int(await session.scalar(self._query) or 0)

    @functools.cached_property
    def _query(self) -> Select[int]:
        # Built once: a statement object keeps its cache key, so each request skips building both.
        return select(self._table.version).where(self._table.id == ROW_ID)

    def bump(self, session: Session) -> None:
        """Bump the counter inside the caller's transaction (sync: called from flush and execute events)."""
        if session.info.get(self._flag):
            return
        session.info[self._flag] = True
        conn = session.connection()
        done = conn.execute(
            update(self._table).where(self._table.id == ROW_ID).values(version=self._table.version + 1)
        )
        if done.rowcount == 0:
            conn.execute(insert(self._table).values(id=ROW_ID, version=1))

    def install(self) -> None:
        """Listen on every ORM session (idempotent): the app, the CLI and the jobs all bump the counter."""
        if not event.contains(Session, "before_flush", self._on_flush):
            event.listen(Session, "before_flush", self._on_flush)
            event.listen(Session, "do_orm_execute", self._on_execute)
            event.listen(Session, "after_transaction_end", self._on_transaction_end)

    def _on_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        changed = [*session.new, *session.deleted]
        if any(isinstance(obj, self._watched) for obj in changed) or any(
            isinstance(obj, self._watched) and self._changed(obj) for obj in session.dirty
        ):
            self.bump(session)

    def _changed(self, obj: object) -> bool:
        state = inspect(obj)
        return any(attr.key not in self._ignored and attr.history.has_changes() for attr in state.attrs)

    def _on_execute(self, state: Any) -> None:
        writes = state.is_insert or state.is_update or state.is_delete
        if writes and any(mapper.class_ in self._watched for mapper in state.all_mappers):
            self.bump(state.session)

    def _on_transaction_end(self, session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop(self._flag, None)


__all__ = ["CounterColumns", "VersionCounter"]
