"""Shared fixtures: test Settings objects (never os.environ), components on a fresh database, app, clients.
LIMNER_TEST_MODE (tests/modes.py) picks the databases: SQLite in each data dir, or PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from limner.components import Components, build_components
from limner.generation.backends.fake import FakeConfig
from limner.generation.backends.local import LocalConfig
from limner.imaging.catalog import ModelSpec, default_catalog
from limner.main import create_app
from limner.models import metadata
from limner.settings import Settings
from limner.vault.key_providers import default_key_path
from limner.vault.key_providers.local import LocalKeyProvider
from tests.factories import Caller, make_caller
from tests.modes import (
    PG_ADMIN_URL,
    Cluster,
    asyncpg_url,
    cluster,
    current_mode,
    missing_services,
    set_cluster,
    shared_environment,
)

TEST_SECRET = "test-secret-" + "x" * 40


def catalog_for_tests() -> list[ModelSpec]:
    """The default local model plus vendor families served by the local/fake backends, so family
    rules (sizes, n, revised prompts) are exercised without a vendor account."""
    return [
        *default_catalog(),
        ModelSpec(id="dall-e-3", backend="reviser", family="dall-e-3"),
        ModelSpec(id="dall-e-2", backend="local", family="dall-e-2"),
        ModelSpec(id="gpt-image-1.5", backend="local", family="gpt-image"),
        ModelSpec(id="fake-model", backend="fake", family="local"),
    ]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path = default_key_path(data_dir)
    if not key_path.exists():
        LocalKeyProvider.create(key_path)
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "policy": {"enabled": False},  # policy tests turn it on; generation tests stay independent of it
        "education": {"required": False},  # the training gate's own tests turn it on
        "generation": {
            "backends": {
                "local": LocalConfig(),
                "reviser": LocalConfig(revise_prompts=True),
                "fake": FakeConfig(),
            },
            "models": catalog_for_tests(),
        },
    }
    # Image stages in threads: a process pool per test would cost seconds; tests/integration/generation/
    # test_image_workers.py and the e2e server run the worker processes.
    values["server"] = {"image_workers": 0, **dict(overrides.pop("server", None) or {})}  # type: ignore[call-overload]
    if current_mode() == "cluster":
        _use_cluster(data_dir, overrides)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _use_cluster(data_dir: Path, overrides: dict[str, object]) -> None:
    """PostgreSQL for the data dir and Redis for the quota counters, unless the test chose its own (a
    quota store, or `redis.url`, which picks one)."""
    c = cluster()
    if "database" not in overrides:
        overrides["database"] = {"url": c.database_for(data_dir)}
    identity = dict(overrides.get("identity") or {})  # type: ignore[call-overload]
    quotas = dict(identity.get("quotas") or {})
    if "store" not in quotas and "redis" not in overrides:
        quotas["store"] = {"kind": "redis", "prefix": c.redis_prefix()}
        overrides["identity"] = {**identity, "quotas": quotas}


def pytest_sessionstart(session: pytest.Session) -> None:
    if current_mode() == "embedded":
        return
    missing = missing_services()
    if missing:
        pytest.exit("cluster mode (LIMNER_TEST_MODE=cluster) needs " + " and ".join(missing), returncode=1)
    started = Cluster()
    started.drop_leftovers()
    set_cluster(started)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Cluster mode leaves out the tests of SQLite itself (marked sqlite_only): nothing to test there."""
    if current_mode() == "embedded":
        return
    sqlite_only = [item for item in items if item.get_closest_marker("sqlite_only")]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]


def pytest_sessionfinish(session: pytest.Session) -> None:
    if current_mode() == "cluster":
        set_cluster(None)


@pytest.fixture(autouse=True)
def test_mode_databases(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cluster mode: the test's Redis keys and PostgreSQL databases are dropped when it ends. Outside
    tests/unit, the `limner` commands a test runs (in process or not) see the database of tmp_path/data,
    unless the test uses the `data_dir` a module shares (tests.modes.cluster_environment)."""
    if current_mode() == "embedded":
        yield
        return
    c = cluster()
    shared = shared_environment() and "data_dir" in request.fixturenames
    if "tests/unit/" not in request.node.nodeid and not shared:
        data_dir: Path = request.getfixturevalue("tmp_path") / "data"
        monkeypatch.setenv("LIMNER_DATABASE__URL", c.database_for(data_dir))
    yield
    c.end_test()


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture
async def components(settings: Settings) -> AsyncIterator[Components]:
    c = build_components(settings)
    await create_schema(c.engine)
    yield c
    await c.aclose()


@pytest.fixture
def app(components: Components) -> FastAPI:
    return create_app(components=components)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def admin(components: Components) -> Caller:
    return await make_caller(components, roles=["admin"])


@pytest.fixture
async def creator(components: Components) -> Caller:
    return await make_caller(components, roles=["creator"])


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database shared by this test session; fails (never skips) when the server is down."""
    yield from _pg_database()


@pytest.fixture
def pg_fresh_database() -> Iterator[str]:
    """An empty PostgreSQL database of the test's own (migrations need one)."""
    yield from _pg_database()


def _pg_database() -> Iterator[str]:
    name = f"limner_t{os.getpid()}_{uuid.uuid4().hex[:10]}"  # tests.modes drops it if the run is killed
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield asyncpg_url(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()
