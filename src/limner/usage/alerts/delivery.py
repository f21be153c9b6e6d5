"""Deliver raised alerts to the configured notifiers, outside the rules' transaction, at least once."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.errors import LimnerError
from limner.usage.alerts.config import AlertSettings
from limner.usage.alerts.models import Alert
from limner.usage.alerts.notifiers import AlertNotifier, build_notifier
from limner.usage.alerts.schemas import AlertRead

log = logging.getLogger("limner.alerts")
Sessions = async_sessionmaker[AsyncSession]


async def deliver_once(
    sessions: Sessions, notifiers: Mapping[str, AlertNotifier], settings: AlertSettings, batch: int = 100
) -> int:
    """Try every pending alert once on each notifier that has not taken it; returns deliveries made."""
    async with sessions() as session:
        query = select(Alert).where(Alert.is_notify_done.is_(False)).order_by(Alert.created_at).limit(batch)
        pending = [
            (row.id, AlertRead.of(row).model_dump(mode="json"), list(row.delivered))
            for row in await session.scalars(query)
        ]
    made = 0
    for alert_id, payload, delivered in pending:
        for name, notifier in notifiers.items():
            if name in delivered:
                continue
            try:
                await notifier.send(payload)
            except LimnerError as exc:
                log.warning("alert %s not delivered to %s: %s", alert_id, name, exc.message)
                continue
            delivered.append(name)
            made += 1
        await _save(sessions, alert_id, delivered, set(notifiers), settings.max_attempts)
    return made


async def _save(
    sessions: Sessions, alert_id: str, delivered: list[str], names: set[str], max_attempts: int
) -> None:
    async with sessions.begin() as session:
        row = await session.get(Alert, alert_id)
        if row is None:
            return
        row.delivered, row.attempts = delivered, row.attempts + 1
        row.is_notify_done = names <= set(delivered) or row.attempts >= max_attempts


async def deliver_configured(sessions: Sessions, settings: AlertSettings) -> int:
    notifiers = {name: build_notifier(cfg) for name, cfg in settings.notifiers.items()}
    try:
        return await deliver_once(sessions, notifiers, settings) if notifiers else 0
    finally:
        for notifier in notifiers.values():
            await notifier.aclose()
