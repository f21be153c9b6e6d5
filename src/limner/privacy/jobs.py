"""Background jobs of the privacy domain: the scheduled retention purge."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.db import utcnow
from limner.jobs import Job
from limner.privacy.flows import purge_expired


async def scheduled_purge(c: Components, _session: AsyncSession) -> object:
    """The job runner's transaction holds the cluster lock (PostgreSQL advisory xact lock) while
    the purge runs its own transactions, so exactly one replica purges at a time."""
    return await purge_expired(c, utcnow(), dry_run=False)


def privacy_jobs(c: Components) -> list[Job]:
    """Add these to `default_jobs()` (or start them beside it in the lifespan)."""
    return [Job("privacy.purge", c.settings.privacy.purge_interval_s, scheduled_purge)]
