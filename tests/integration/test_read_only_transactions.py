"""Integration tests: readiness and policy refresh run beside a writer holding SQLite's write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from limner.components import Components
from limner.policy.active import ActivePolicy
from limner.settings import Settings
from tests.conftest import make_settings

pytestmark = pytest.mark.sqlite_only  # SQLite's database-wide write lock and its BEGIN IMMEDIATE


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, policy={"enabled": True, "refresh_s": 0})


@pytest.fixture
def write_lock(components: Components) -> Iterator[None]:
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) for the whole test."""
    path = components.settings.database_url.split(":///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield
    holder.execute("ROLLBACK")
    holder.close()


def begins(components: Components) -> list[str]:
    """Every BEGIN the engine issues from now on."""
    seen: list[str] = []

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(components.engine.sync_engine, "before_cursor_execute", on_execute)
    return seen


async def test_readiness_answers_while_a_writer_holds_the_lock(
    components: Components, client: httpx.AsyncClient, write_lock: None
) -> None:
    seen = begins(components)
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert seen == ["BEGIN"]


async def test_policy_refresh_reads_the_active_version_while_a_writer_holds_the_lock(
    components: Components, write_lock: None
) -> None:
    policy = components.policy
    assert isinstance(policy, ActivePolicy)
    seen = begins(components)
    engine = await policy.refresh(force=True)
    assert engine.version == policy.version
    assert seen == ["BEGIN"]
