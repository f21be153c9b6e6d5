"""Audit service: append events to the chain. There is deliberately no update or delete of hashed data.

Other domains reach the audit through this module: besides `record`, it re-exports the event export shapes
(`event_json`, `csv_safe`), the outbox `backlog`, and the `SyslogSink` that alert notifiers reuse.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CompoundSelect, Table, bindparam, insert, null, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.audit.chain import GENESIS, HASHED_FIELDS, at_text, canonical_json, check_field, event_hash
from limner.audit.checkpoints import add_checkpoint
from limner.audit.export import csv_safe as csv_safe
from limner.audit.export import event_json as event_json
from limner.audit.models import AuditActor, AuditEvent, AuditOutbox
from limner.audit.outbox import backlog as backlog
from limner.audit.schemas import AuditAction
from limner.audit.signing import CheckpointSigner
from limner.audit.sinks.syslog import SyslogSink as SyslogSink
from limner.db import SEND_LATER, Base, new_id, take_turn, utcnow

_PG_CHAIN_LOCK = 7_321_004  # advisory lock id: one writer extends the chain at a time
RUNTIME_KEY = "limner.audit"

# Who runs a command-line action ("cli:user@host"); events without an actor get it (see limner.cli).
OPERATOR: ContextVar[str | None] = ContextVar("limner_audit_operator", default=None)


@dataclass(frozen=True, slots=True)
class AuditRuntime:
    """What `record` needs beyond the session: carried in the sessionmaker's `info`."""

    signer: CheckpointSigner | None = None
    checkpoint_every: int = 1000


@dataclass(frozen=True, slots=True)
class NewEvent:
    action: AuditAction
    actor_id: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    request_id: str | None = None
    outcome: str = "ok"
    data: dict[str, Any] = field(default_factory=dict)


def install_audit(sessions: async_sessionmaker[AsyncSession], runtime: AuditRuntime) -> None:
    """Give every session from `sessions` the checkpoint signer (call once in build_components)."""
    sessions.configure(info={RUNTIME_KEY: runtime})


async def record(
    session: AsyncSession,
    *,
    action: AuditAction,
    actor_id: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    request_id: str | None = None,
    outcome: str = "ok",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. `data` holds hashes, ids and categories,
    never prompt text, image bytes or credentials."""
    actor_id = actor_id or OPERATOR.get()
    event = NewEvent(action, actor_id, subject_type, subject_id, request_id, outcome, data or {})
    rows = await record_many(session, [event])
    return rows[0]


@dataclass(frozen=True, slots=True)
class ReadyEvent:
    """An event with everything that does not depend on the chain done: its fields checked, its id
    drawn, its data in canonical JSON. Made before the write transaction (`ready`), so the writer's
    turn holds only the chain head read, the hashes and the statements."""

    new: NewEvent
    id: str
    data_json: str


def ready(events: Iterable[NewEvent]) -> list[ReadyEvent]:
    out = []
    for new in events:
        for value in (
            new.action,
            new.outcome,
            new.actor_id,
            new.subject_type,
            new.subject_id,
            new.request_id,
        ):
            check_field(value)
        out.append(ReadyEvent(new, new_id(), canonical_json(new.data)))
    return out


async def record_many(session: AsyncSession, events: Sequence[NewEvent | ReadyEvent]) -> list[AuditEvent]:
    """Append events in order, in the caller's transaction: one statement reads the chain head and
    the actors' pseudonyms; the rows go to the database with the transaction's next statement or
    its commit (SEND_LATER)."""
    prepared = [e if isinstance(e, ReadyEvent) else ready([e])[0] for e in events]
    await take_turn(session, _PG_CHAIN_LOCK)
    seq, prev, refs = await _chain_state(session, _user_ids([e.new for e in prepared]))
    now = utcnow().astimezone(UTC)
    rows = []
    for event in prepared:
        seq += 1
        row = _build(event, seq=seq, at=now, prev_hash=prev, refs=refs)
        prev = row.hash
        rows.append(row)
    await _insert(session, rows)
    await _maybe_checkpoint(session, rows)
    return rows


def _build(event: ReadyEvent, *, seq: int, at: datetime, prev_hash: str, refs: dict[str, str]) -> AuditEvent:
    new = event.new
    row = AuditEvent(
        seq=seq,
        id=event.id,
        at=at,
        action=str(new.action),
        outcome=new.outcome,
        actor_id=new.actor_id,
        actor_ref=refs[new.actor_id] if new.actor_id else None,
        subject_type=new.subject_type,
        subject_id=new.subject_id,
        subject_ref=subject_ref(new.subject_type, new.subject_id, refs),
        request_id=new.request_id,
        data_json=event.data_json,
        prev_hash=prev_hash,
    )
    row.hash = event_hash(prev_hash, hashed_fields(row))
    return row


def subject_ref(subject_type: str | None, subject_id: str | None, refs: dict[str, str]) -> str | None:
    if subject_id is None:
        return None
    return refs[subject_id] if subject_type == "user" else subject_id


def hashed_fields(e: AuditEvent) -> tuple[str | int | None, ...]:
    return tuple(at_text(e.at) if name == "at" else getattr(e, name) for name in HASHED_FIELDS)


def _user_ids(events: Iterable[NewEvent]) -> set[str]:
    ids = {e.actor_id for e in events if e.actor_id}
    return ids | {e.subject_id for e in events if e.subject_type == "user" and e.subject_id}


async def _chain_state(session: AsyncSession, user_ids: set[str]) -> tuple[int, str, dict[str, str]]:
    """The chain head (seq, hash) and each user's stable pseudonym, in one statement; a pseudonym is
    created on first use (under the chain lock, so no race)."""
    head, refs = (0, GENESIS), {}
    for seq, value, user_id in await session.execute(_chain_query(), {"ids": sorted(user_ids)}):
        if user_id is None:
            head = (seq or 0, value)
        else:
            refs[user_id] = value
    missing = [uid for uid in sorted(user_ids) if uid not in refs]
    if missing:
        new = {uid: "p_" + secrets.token_hex(16) for uid in missing}
        rows = [{"user_id": u, "ref": r} for u, r in new.items()]
        await session.execute(insert(_table(AuditActor)), rows, execution_options=SEND_LATER)
        refs.update(new)
    return head[0], head[1], refs


# Built once: a statement object keeps its cache key, so each event skips building it.
@functools.cache
def _chain_query() -> CompoundSelect[int | None, str, str | None]:
    head = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1).subquery()
    refs = select(null(), AuditActor.ref, AuditActor.user_id).where(
        AuditActor.user_id.in_(bindparam("ids", expanding=True))
    )
    return union_all(select(head.c.seq, head.c.hash, null()), refs)


async def forget_actor(session: AsyncSession, *, user_id: str) -> int:
    """Erasure: drop the pseudonym link and the plain ids. The chain is untouched and still verifies."""
    rows = await session.execute(
        update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None)
    )
    await session.execute(
        update(AuditEvent)
        .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user_id)
        .values(subject_id=None)
    )
    actor = await session.get(AuditActor, user_id)
    if actor is not None:
        await session.delete(actor)
    return int(getattr(rows, "rowcount", 0) or 0)


async def _insert(session: AsyncSession, rows: list[AuditEvent]) -> None:
    # Core executemany: thousands of rows per statement, with no ORM unit-of-work cost.
    table = _table(AuditEvent)
    values = [{table.c[c].key: getattr(r, attr) for attr, c in _COLUMNS} for r in rows]
    await session.execute(insert(table), values, execution_options=SEND_LATER)
    outbox = [{"seq": r.seq} for r in rows]
    await session.execute(insert(_table(AuditOutbox)), outbox, execution_options=SEND_LATER)


_COLUMNS = tuple(
    (attr, "data" if attr == "data_json" else attr)
    for attr in (
        "seq", "id", "at", "action", "outcome", "actor_id", "actor_ref", "subject_type",
        "subject_id", "subject_ref", "request_id", "data_json", "prev_hash", "hash",
    )
)  # fmt: skip


async def _maybe_checkpoint(session: AsyncSession, rows: list[AuditEvent]) -> None:
    runtime: AuditRuntime = session.info.get(RUNTIME_KEY) or AuditRuntime()
    for row in rows:
        if row.seq % runtime.checkpoint_every == 0:
            await add_checkpoint(session, seq=row.seq, head_hash=row.hash, signer=runtime.signer)


def _table(model: type[Base]) -> Table:
    # Core inserts skip the ORM's bulk machinery, which costs more than the statement itself here.
    table = model.__table__
    assert isinstance(table, Table)
    return table
