"""The training gate's answer cached per process, seen by every replica at the next request.

Any committed change to a policy version, a module, an acknowledgement or a training result bumps one
counter row in the database in the same transaction (an ORM flush listener, so no write path can forget
it), the way identity's principal cache works. The gate reads that counter (one small read, no write lock)
and uses a person's cached answer only while the counter is unchanged, and a pass only until it lapses
(`education.renew_days`): time alone can make a pass lapse, never make one, so a refusal needs no clock."""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from limner.db import Base, utcnow
from limner.education.models import PolicyAcknowledgement, TrainingModule, TrainingResult, UsePolicyVersion

MAX_ENTRIES = 10_000
WATCHED = (UsePolicyVersion, TrainingModule, PolicyAcknowledgement, TrainingResult)
ROW_ID = 1
_FLAG = "training_gate_version_bumped"


class TrainingGateVersion(Base):
    """One row: bumped by every change that could change whether someone passes the training gate."""

    __tablename__ = "training_gate_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


async def current_version(session: AsyncSession) -> int:
    return int(await session.scalar(_version_query()) or 0)


@functools.cache
def _version_query() -> Select[int]:
    # Built once: a statement object keeps its cache key, so each request skips building both.
    return select(TrainingGateVersion.version).where(TrainingGateVersion.id == ROW_ID)


def bump(session: Session) -> None:
    """Bump the counter inside the caller's transaction (sync: called from flush and execute events)."""
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    conn = session.connection()
    done = conn.execute(
        update(TrainingGateVersion)
        .where(TrainingGateVersion.id == ROW_ID)
        .values(version=TrainingGateVersion.version + 1)
    )
    if done.rowcount == 0:
        conn.execute(insert(TrainingGateVersion).values(id=ROW_ID, version=1))


def install_gate_tracking() -> None:
    """Listen on every ORM session (idempotent): the app, the CLI and the jobs all bump the counter."""
    if not event.contains(Session, "before_flush", _on_flush):
        event.listen(Session, "before_flush", _on_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_transaction_end", _on_transaction_end)


def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed = [*session.new, *session.deleted]
    if any(isinstance(obj, WATCHED) for obj in changed) or any(
        isinstance(obj, WATCHED) and session.is_modified(obj) for obj in session.dirty
    ):
        bump(session)


def _on_execute(state: Any) -> None:
    writes = state.is_update or state.is_delete or state.is_insert
    if writes and any(mapper.class_ in WATCHED for mapper in state.all_mappers):
        bump(state.session)


def _on_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_FLAG, None)


@dataclass(frozen=True, slots=True)
class _Answer:
    version: int
    complete: bool
    lapses_at: datetime | None  # None: never (or a refusal, which only a write can change)


class TrainingGateCache:
    """user id → whether they pass the gate, valid for one counter value (and a pass until it lapses)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Answer] = OrderedDict()

    def get(self, user_id: str, *, version: int) -> bool | None:
        answer = self._entries.get(user_id)
        if answer is None or answer.version != version:
            return None
        if answer.lapses_at is not None and answer.lapses_at <= utcnow():
            return None
        return answer.complete

    def put(self, user_id: str, *, version: int, complete: bool, lapses_at: datetime | None) -> None:
        self._entries[user_id] = _Answer(version, complete, lapses_at)
        self._entries.move_to_end(user_id)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
