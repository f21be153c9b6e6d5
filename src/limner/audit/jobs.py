"""Background jobs of the audit domain: drain the outbox to sinks, sign pending checkpoints."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.checkpoints import sign_pending
from limner.audit.outbox import drain_configured
from limner.components import Components
from limner.jobs import Job


async def drain_sinks(c: Components, _session: AsyncSession) -> object:
    # Delivery opens its own short transactions: a slow sink must never hold the job's.
    return await drain_configured(c.sessions, c.settings.audit)


async def sign_checkpoints(c: Components, session: AsyncSession) -> object:
    return await sign_pending(session, c.audit_signer)


def audit_jobs(c: Components) -> list[Job]:
    """Add these to `default_jobs()`: one replica at a time runs each (jobs.run_once's lock)."""
    return [
        Job("audit.drain", c.settings.audit.drain_interval_s, drain_sinks),
        Job("audit.sign_checkpoints", 60.0, sign_checkpoints),
    ]
