"""Shared fixtures: test Settings objects (never os.environ), components on a fresh database, app, clients."""

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

PG_ADMIN_URL = os.environ.get("LIMNER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
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
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


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
    name = f"limner_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()
