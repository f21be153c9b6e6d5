"""Background jobs of the pipeline: the crash clean-up (orphan blobs, generations left pending)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.generation.flows.cleanup import clean_up_after_crash
from limner.jobs import Job

JANITOR_GRACE = timedelta(hours=1)


async def janitor(c: Components, _session: AsyncSession) -> object:
    return await clean_up_after_crash(c, JANITOR_GRACE)


def generation_jobs() -> list[Job]:
    """Started beside `default_jobs()` in the lifespan."""
    return [Job("vault.janitor", 900.0, janitor)]
