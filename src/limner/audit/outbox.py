"""Drain the outbox to the sinks: outside any transaction, with backoff, never losing an event."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.audit.config import AuditSettings
from limner.audit.export import event_json
from limner.audit.models import AuditEvent, AuditOutbox, AuditSinkState
from limner.audit.sinks import AuditSink, build_sink
from limner.db import utcnow
from limner.errors import LimnerError

log = logging.getLogger("limner.audit.outbox")
Sessions = async_sessionmaker[AsyncSession]


async def drain_once(
    sessions: Sessions,
    sinks: Mapping[str, AuditSink],
    settings: AuditSettings,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Deliver one batch per sink that is not backing off; returns events delivered per sink.
    The cursor only moves after a sink accepted a batch, so a crash re-sends, never skips."""
    now = now or utcnow()
    delivered = {name: await _drain_sink(sessions, name, sink, settings, now) for name, sink in sinks.items()}
    async with sessions.begin() as session:
        await _prune(session, list(sinks))
    return delivered


async def _drain_sink(sessions: Sessions, name: str, sink: AuditSink, s: AuditSettings, now: datetime) -> int:
    async with sessions.begin() as session:
        state = await _state(session, name)
        if state.next_attempt_at is not None and state.next_attempt_at > now:
            return 0
        rows = await _pending(session, state.delivered_seq, s.drain_batch)
    if not rows:
        return 0
    try:
        await sink.send([event_json(r, with_ids=False) for r in rows])
    except LimnerError as exc:
        await _backoff(sessions, name, exc, now, s.max_backoff_s)
        return 0
    async with sessions.begin() as session:
        state = await _state(session, name)
        state.delivered_seq, state.failures, state.next_attempt_at, state.last_error = (
            rows[-1].seq,
            0,
            None,
            None,
        )
    return len(rows)


async def _pending(session: AsyncSession, after: int, limit: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .join(AuditOutbox, AuditOutbox.seq == AuditEvent.seq)
        .where(AuditEvent.seq > after)
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def _state(session: AsyncSession, name: str) -> AuditSinkState:
    state = await session.get(AuditSinkState, name)
    if state is None:
        state = AuditSinkState(sink=name, delivered_seq=0, failures=0)
        session.add(state)
    return state


async def _backoff(sessions: Sessions, name: str, exc: LimnerError, now: datetime, cap_s: float) -> None:
    async with sessions.begin() as session:
        state = await _state(session, name)
        state.failures += 1
        # Exponential with full jitter: many replicas do not hammer a collector that just came back.
        wait = random.uniform(0.5, 1.0) * min(cap_s, 2.0 ** min(state.failures, 20))
        state.next_attempt_at, state.last_error = now + timedelta(seconds=wait), exc.message[:200]
    log.warning("audit sink %s failed (%s); retry in %.1fs", name, type(exc).__name__, wait)


async def _prune(session: AsyncSession, names: list[str]) -> None:
    """Drop outbox rows every configured sink has; with no sinks there is nobody to wait for."""
    if names:
        states = select(func.min(AuditSinkState.delivered_seq)).where(AuditSinkState.sink.in_(names))
        done = (await session.execute(states)).scalar()
        known = (await session.execute(select(func.count()).where(AuditSinkState.sink.in_(names)))).scalar()
        if done is None or known != len(names):
            return
        await session.execute(delete(AuditOutbox).where(AuditOutbox.seq <= done))
    else:
        await session.execute(delete(AuditOutbox))


async def backlog(session: AsyncSession, sink_names: list[str]) -> dict[str, int]:
    """Events waiting per sink: the number the metrics endpoint exports as a gauge."""
    out = {}
    for name in sink_names:
        state = await session.get(AuditSinkState, name)
        after = state.delivered_seq if state else 0
        count = select(func.count()).select_from(AuditOutbox).where(AuditOutbox.seq > after)
        out[name] = int((await session.execute(count)).scalar() or 0)
    return out


async def drain_configured(sessions: Sessions, settings: AuditSettings) -> dict[str, int]:
    """The background job: build the configured sinks, drain once, close them."""
    sinks = {name: build_sink(cfg) for name, cfg in settings.sinks.items()}
    try:
        return await drain_once(sessions, sinks, settings)
    finally:
        for sink in sinks.values():
            await sink.aclose()
