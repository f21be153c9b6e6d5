"""Background jobs run by the server: each on its interval, one replica at a time in cluster mode."""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components
from limner.review import service as review

log = logging.getLogger("limner.jobs")
JobFn = Callable[[Components, AsyncSession], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    interval_s: float
    run: JobFn


async def escalate_reviews(_c: Components, session: AsyncSession) -> object:
    return await review.escalate_overdue(session)


def default_jobs() -> list[Job]:
    return [Job("review.escalate", 60.0, escalate_reviews)]


async def run_once(c: Components, job: Job) -> bool:
    """Run `job` in one transaction if this replica wins its lock; False when another replica has it."""
    async with c.sessions.begin() as session:
        if not await _try_lock(session, job.name):
            return False
        await job.run(c, session)
    return True


async def run_forever(c: Components, job: Job) -> None:
    while True:
        try:
            await run_once(c, job)
        except Exception as exc:  # a failing job must not take the server down; it retries next interval
            log.error("job %s failed: %s", job.name, type(exc).__name__)
        await asyncio.sleep(job.interval_s)


async def _try_lock(session: AsyncSession, name: str) -> bool:
    # PostgreSQL: a transaction-scoped advisory lock per job; SQLite: the write lock already serialises.
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"limner-job:{name}".encode())
    acquired = await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
    return bool(acquired.scalar())


def start_jobs(c: Components, jobs: list[Job]) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(run_forever(c, job), name=f"limner-job-{job.name}") for job in jobs]


async def stop_jobs(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
