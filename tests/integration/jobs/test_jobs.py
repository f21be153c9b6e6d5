"""Integration tests: background jobs run once per interval and, on PostgreSQL, on one replica at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components, build_components
from limner.jobs import Job, default_jobs, run_once, start_jobs, stop_jobs
from tests.conftest import create_schema, make_settings


async def test_a_job_runs_and_stops_cleanly(components: Components) -> None:
    ran = asyncio.Event()

    async def mark(_c: Components, _session: AsyncSession) -> None:
        ran.set()

    tasks = start_jobs(components, [Job("test.mark", 0.01, mark)])
    await asyncio.wait_for(ran.wait(), timeout=5)
    await stop_jobs(tasks)
    assert all(task.done() for task in tasks)


async def test_the_default_jobs_run_against_a_fresh_database(components: Components) -> None:
    assert [await run_once(components, job) for job in default_jobs()] == [True]


async def test_only_one_replica_runs_a_job_at_a_time_on_postgres(tmp_path: Path, pg_database: str) -> None:
    replicas = [
        build_components(make_settings(tmp_path / f"r{i}", database={"url": pg_database})) for i in range(2)
    ]
    await create_schema(replicas[0].engine)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def hold(_c: Components, _session: AsyncSession) -> None:
        inside.set()
        await release.wait()

    job = Job("test.exclusive", 60, hold)
    first = asyncio.create_task(run_once(replicas[0], job))
    await inside.wait()
    assert await run_once(replicas[1], job) is False
    release.set()
    assert await first is True
    for replica in replicas:
        await replica.aclose()
