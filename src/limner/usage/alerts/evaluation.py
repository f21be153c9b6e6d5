"""Run the rules over the audit log in the database (so they see every replica's events), raise
alerts once, remember API key networks, and suspend people when configured."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditEvent
from limner.db import insert_if_absent, utcnow
from limner.identity.accounts import service as identity
from limner.identity.accounts.models import User
from limner.identity.keys import service as key_service
from limner.identity.keys.models import ApiKey
from limner.imaging.records import ImageRecord
from limner.usage.alerts.config import AlertSettings, SpikeRule, at_least
from limner.usage.alerts.models import Alert, KeyNetwork
from limner.usage.alerts.rules import ACTIONS, REQUESTED, Context, EventView, Hit, evaluate, network_of
from limner.usage.alerts.service import covered, raise_alert

log = logging.getLogger("limner.alerts")


async def evaluate_rules(
    session: AsyncSession, settings: AlertSettings, now: datetime | None = None
) -> list[Alert]:
    """Every enabled rule over its window; returns the alerts raised by this run."""
    now = now or utcnow()
    raised = []
    loaded: dict[tuple[object, ...], list[EventView]] = {}  # rules with the same actions share one load
    for rule in ACTIONS:
        cfg = getattr(settings.rules, rule)
        if not cfg.enabled:
            continue
        since, outcomes = now - timedelta(seconds=cfg.window_s), _outcomes(rule, settings)
        key = (ACTIONS[rule], since, tuple(outcomes or ()))
        if key not in loaded:
            loaded[key] = await load_events(session, ACTIONS[rule], since, outcomes=outcomes)
        events = loaded[key]
        ctx = Context(now=now, after=await covered(session, rule))
        if rule == "volume_spike":
            ctx = Context(now, ctx.after, baselines=await _baselines(session, cfg, events, now))
        if rule == "new_network":
            known = await _known_networks(session, events)
            ctx = Context(now, ctx.after, known_networks=known)
            await _remember_networks(session, settings, events, known)
        for hit in evaluate(rule, settings.rules, events, ctx):
            alert = await raise_alert(session, hit, notify=bool(settings.notifiers))
            if alert is not None:
                raised.append(alert)
                _log(alert)
                await _maybe_suspend(session, settings, hit)
    return raised


def _outcomes(rule: str, settings: AlertSettings) -> Sequence[str] | None:
    """Rules that count only some outcomes load only those (a busy hour has many allowed requests)."""
    if rule == "probing":
        return settings.rules.probing.outcomes
    return ["failure"] if rule == "failed_logins" else None


def _log(alert: Alert) -> None:
    log.warning(
        "alert %s raised: %s (%s) for %s %s",
        alert.id,
        alert.rule,
        alert.severity,
        alert.principal_type,
        alert.principal_id,
        extra={"alert_id": alert.id, "rule": alert.rule, "severity": alert.severity},
    )


_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.action,
    AuditEvent.outcome,
    AuditEvent.actor_id,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.data_json,
)


async def load_events(
    session: AsyncSession, actions: Sequence[str], since: datetime, *, outcomes: Sequence[str] | None = None
) -> list[EventView]:
    """Plain rows, not ORM objects: a busy window holds tens of thousands of events."""
    query = select(*_COLUMNS).where(AuditEvent.action.in_(actions), AuditEvent.at >= since)
    if outcomes is not None:
        query = query.where(AuditEvent.outcome.in_(outcomes))
    rows = await session.execute(query.order_by(AuditEvent.seq))
    return [
        EventView(seq, id_, at, action, outcome, actor, subject_type, subject_id, json.loads(data))
        for seq, id_, at, action, outcome, actor, subject_type, subject_id, data in rows
    ]


async def _baselines(
    session: AsyncSession, cfg: SpikeRule, events: list[EventView], now: datetime
) -> dict[str, int]:
    owners = {e.actor_id for e in events if e.actor_id}
    if not owners:
        return {}
    window_start = now - timedelta(seconds=cfg.window_s)
    query = (
        select(ImageRecord.owner_id, func.count())
        .where(
            ImageRecord.owner_id.in_(owners),
            ImageRecord.role == "output",
            ImageRecord.created_at >= window_start - timedelta(days=cfg.baseline_days),
            ImageRecord.created_at < window_start,
        )
        .group_by(ImageRecord.owner_id)
    )
    return {owner: int(n) for owner, n in await session.execute(query)}


def _pairs(settings: AlertSettings, events: list[EventView]) -> list[tuple[str, str, str]]:
    pairs = []
    for e in events:
        key_id, client = e.data.get("api_key_id"), e.data.get("client") or {}
        if e.action in REQUESTED and key_id and client.get("ip"):
            net = network_of(str(client["ip"]), settings.rules.new_network)
            pairs.append((str(key_id), net, str(client.get("agent", ""))))
    return pairs


async def _known_networks(session: AsyncSession, events: list[EventView]) -> dict[str, set[tuple[str, str]]]:
    keys = {str(e.data["api_key_id"]) for e in events if e.data.get("api_key_id")}
    if not keys:
        return {}
    known: dict[str, set[tuple[str, str]]] = {}
    query = select(KeyNetwork.api_key_id, KeyNetwork.network, KeyNetwork.agent).where(
        KeyNetwork.api_key_id.in_(keys)
    )
    for key_id, network, agent in await session.execute(query):
        known.setdefault(key_id, set()).add((network, agent))
    return known


async def _remember_networks(
    session: AsyncSession,
    settings: AlertSettings,
    events: list[EventView],
    known: dict[str, set[tuple[str, str]]],
) -> None:
    new = {p for p in _pairs(settings, events) if (p[1], p[2]) not in known.get(p[0], set())}
    for key_id, network, agent in sorted(new):
        values = {"api_key_id": key_id, "network": network, "agent": agent, "first_seen_at": utcnow()}
        await insert_if_absent(session, KeyNetwork, values)


async def _maybe_suspend(session: AsyncSession, settings: AlertSettings, hit: Hit) -> None:
    if settings.suspend_at is None or not at_least(hit.severity, settings.suspend_at):
        return
    kind, principal_id = hit.principal
    if kind == "api_key":
        if await session.get(ApiKey, principal_id) is not None:
            await key_service.set_key_suspended(session, key_id=principal_id, suspended=True)
        return
    if kind != "user":
        return
    user = await session.get(User, principal_id)
    if user is not None and user.status == "active":
        await identity.set_status(session, user, "suspended")
