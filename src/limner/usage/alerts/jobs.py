"""Background jobs of the alerts domain: evaluate the rules, deliver what they raised."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.jobs import Job
from limner.usage.alerts.delivery import deliver_configured
from limner.usage.alerts.evaluation import evaluate_rules


async def evaluate(c: Components, session: AsyncSession) -> object:
    return await evaluate_rules(session, c.settings.alerts)


async def deliver(c: Components, _session: AsyncSession) -> object:
    # Delivery opens its own short transactions: a slow notifier must never hold the job's.
    return await deliver_configured(c.sessions, c.settings.alerts)


def alert_jobs(c: Components) -> list[Job]:
    """One replica at a time runs each (jobs.run_once's lock); the dedupe key guards the rest."""
    if not c.settings.alerts.enabled:
        return []
    interval = c.settings.alerts.interval_s
    return [Job("alerts.evaluate", interval, evaluate), Job("alerts.deliver", interval, deliver)]
