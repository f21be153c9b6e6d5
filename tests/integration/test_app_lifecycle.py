"""Integration tests: the app's own lifespan builds and closes its components; health and readiness
(503 when the database is unreachable); a catalog naming a missing backend is refused at start-up;
a failing background job is logged by type and retried, never taking the server down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from limner.components import Components, build_components
from limner.errors import ConfigError
from limner.imaging.catalog import ModelSpec
from limner.jobs import Job, run_once, start_jobs, stop_jobs
from limner.main import create_app
from tests.conftest import create_schema, make_settings


async def test_the_lifespan_builds_serves_and_closes_its_own_components(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    setup = build_components(settings)
    await create_schema(setup.engine)
    await setup.aclose()
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        assert isinstance(app.state.components, Components)


async def test_readiness_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "limner.db"
    settings = make_settings(tmp_path / "data", database={"url": f"sqlite+aiosqlite:///{missing}"})
    components = build_components(settings)
    try:
        app = create_app(components=components)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/healthz")).status_code == 200  # alive, just not ready
            ready = await client.get("/readyz")
    finally:
        await components.aclose()
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "service_unavailable"
    assert ready.json()["error"]["message"] == "The database is not reachable."


def test_a_model_naming_a_backend_that_is_not_configured_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    models = [*settings.generation.models, ModelSpec(id="ghost", backend="nowhere", family="gpt-image")]
    broken = settings.model_copy(
        update={"generation": settings.generation.model_copy(update={"models": models})}
    )
    with pytest.raises(ConfigError, match="model 'ghost' names backend 'nowhere', which is not configured"):
        build_components(broken)


async def test_a_job_runs_in_a_transaction_on_sqlite(components: Components) -> None:
    ran: list[bool] = []

    async def work(_c: Components, session: AsyncSession) -> None:
        ran.append(session.in_transaction())

    assert await run_once(components, Job("test.work", 60.0, work)) is True
    assert ran == [True]


async def test_a_failing_job_is_logged_by_type_and_tried_again(
    components: Components, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []
    second_try = asyncio.Event()

    async def flaky(_c: Components, _session: AsyncSession) -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("details that must not be logged")
        second_try.set()

    with caplog.at_level("ERROR", logger="limner.jobs"):
        tasks = start_jobs(components, [Job("test.flaky", 0.0, flaky)])
        await second_try.wait()
        await stop_jobs(tasks)
    assert len(calls) >= 2
    assert "job test.flaky failed: RuntimeError" in caplog.text
    assert "details that must not be logged" not in caplog.text
    assert all(task.done() for task in tasks)
