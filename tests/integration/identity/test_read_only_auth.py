"""Integration tests: authentication only reads. An API key or a session cookie is checked while another
connection holds SQLite's write lock (a migration, a bulk import, a stuck writer), and a key's last use
and a session's idle timer are still written, at most once a minute."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from limner.components import Components, build_components
from limner.db import utcnow
from limner.identity.keys.models import ApiKey
from limner.identity.sessions.models import AuthSession
from limner.main import create_app
from limner.settings import Settings
from tests.factories import make_caller
from tests.integration.identity.conftest import person, sign_in


@contextmanager
def write_lock_held(c: Components) -> Iterator[None]:
    """Another connection takes SQLite's write lock and keeps it for the block. A request that wanted
    the lock would wait out the busy timeout and then fail with "database is locked" (a 503)."""
    database = c.engine.url.database
    assert database is not None
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
async def replica(settings: Settings, components: Components) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database: its principal cache is empty, so keys are read from the DB."""
    other = build_components(settings)
    transport = httpx.ASGITransport(app=create_app(components=other))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await other.aclose()


@pytest.mark.sqlite_only  # SQLite's database-wide write lock
async def test_an_api_key_is_checked_from_the_database_while_a_writer_holds_the_lock(
    client: httpx.AsyncClient, replica: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    assert (await client.get("/v1/models", headers=caller.headers)).status_code == 200  # records the use
    with write_lock_held(components):
        response = await replica.get("/v1/models", headers=caller.headers)  # not cached on the replica
    assert response.status_code == 200, response.text


@pytest.mark.sqlite_only  # SQLite's database-wide write lock
async def test_a_session_cookie_is_checked_while_a_writer_holds_the_lock(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    await sign_in(client, email)
    with write_lock_held(components):
        me = await client.get("/v1/limner/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email


@pytest.mark.sqlite_only  # SQLite's database-wide write lock
async def test_a_revoked_key_is_refused_while_a_writer_holds_the_lock(
    replica: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    async with components.sessions.begin() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == caller.key_id).values(revoked_at=utcnow()))
    with write_lock_held(components):
        response = await replica.get("/v1/models", headers=caller.headers)
    assert response.status_code == 401


async def test_a_key_last_use_is_still_recorded_once_it_is_a_minute_old(
    client: httpx.AsyncClient, replica: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    assert (await client.get("/v1/models", headers=caller.headers)).status_code == 200
    async with components.sessions() as session:
        first = await session.get(ApiKey, caller.key_id)
        assert first is not None
        assert first.last_used_at is not None
        assert first.last_used_ip is not None
    stale = utcnow() - timedelta(minutes=5)
    async with components.sessions.begin() as session:
        key = await session.get(ApiKey, caller.key_id)
        assert key is not None
        key.last_used_at = stale
    # The replica has not cached the key (cached principals are reloaded at most TTL_S later).
    assert (await replica.get("/v1/models", headers=caller.headers)).status_code == 200
    async with components.sessions() as session:
        again = await session.get(ApiKey, caller.key_id)
        assert again is not None
        assert again.last_used_at is not None
        assert again.last_used_at > stale


async def test_a_session_idle_timer_is_refreshed_once_it_is_a_minute_old(
    client: httpx.AsyncClient, components: Components
) -> None:
    await sign_in(client, await person(components, ["creator"]))
    stale = utcnow() - timedelta(minutes=5)
    async with components.sessions.begin() as session:
        await session.execute(update(AuthSession).values(last_seen_at=stale))
    assert (await client.get("/v1/limner/auth/me")).status_code == 200
    async with components.sessions() as session:
        row = (await session.execute(select(AuthSession))).scalar_one()
    assert row.last_seen_at > stale


@pytest.mark.sqlite_only
def test_while_the_lock_is_held_no_other_connection_can_write(components: Components) -> None:
    """Guards the tests above: the helper really holds the write lock that authentication must not need."""
    database = components.engine.url.database
    assert database is not None
    with write_lock_held(components):
        writer = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                writer.execute("BEGIN IMMEDIATE")
        finally:
            writer.close()
