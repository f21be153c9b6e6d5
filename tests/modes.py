"""The suite's two modes, chosen once by LIMNER_TEST_MODE: `embedded` (SQLite files in each data dir, the
default) or `cluster` (PostgreSQL and Redis, as a replicated deployment runs).

In cluster mode every data dir a test uses gets a PostgreSQL database of its own, cloned from a template
the session migrates once (CREATE DATABASE ... TEMPLATE: ~50 ms, against ~200 ms for creating the tables
in an empty database), and every test gets a Redis key prefix of its own. Whatever is created is dropped
when the test (databases, keys) or the session (the template) ends."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import asyncpg
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from limner.migrate import upgrade

Mode = Literal["embedded", "cluster"]
PG_ADMIN_URL = os.environ.get("LIMNER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LIMNER_TEST_REDIS", "redis://127.0.0.1:6379/0")
T = TypeVar("T")


def current_mode() -> Mode:
    mode = os.environ.get("LIMNER_TEST_MODE", "embedded")
    if mode not in ("embedded", "cluster"):
        raise ValueError(f"LIMNER_TEST_MODE must be 'embedded' or 'cluster', not {mode!r}")
    return mode  # type: ignore[return-value]


def asyncpg_url(database: str) -> str:
    """The SQLAlchemy URL of `database` on the test server."""
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


def missing_services() -> list[str]:
    """The cluster services that do not answer, each with where it was looked for."""
    missing = []
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:
        missing.append(f"PostgreSQL at {PG_ADMIN_URL} ({exc})")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (OSError, redis.RedisError) as exc:
        missing.append(f"Redis at {REDIS_URL} ({exc})")
    return missing


class Cluster:
    """The session's PostgreSQL template and the databases and Redis prefixes of the running test."""

    def __init__(self) -> None:
        self.session = f"limner_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template: str | None = None
        self.by_dir: dict[Path, str] = {}
        self.prefixes: list[str] = []
        self._count = 0
        self._thread = ThreadPoolExecutor(max_workers=1)  # admin work runs outside the test's event loop
        # A DROP DATABASE takes up to seconds on a busy machine: the next test need not wait for it.
        self._dropper = ThreadPoolExecutor(max_workers=1)
        self._drops: list[Future[None]] = []

    def drop_leftovers(self) -> None:
        """Drop the databases of earlier sessions on this machine that were killed before they could."""
        self._run(_drop_leftovers())

    def database_for(self, data_dir: Path) -> str:
        """The URL of data_dir's own database (one data dir, one database, as SQLite keeps one file)."""
        key = data_dir.resolve()
        if key not in self.by_dir:
            self.by_dir[key] = self.create_database()
        return asyncpg_url(self.by_dir[key])

    def copy_database(self, source: Path, copy: Path) -> None:
        """Give data dir `copy` a copy of `source`'s database, as a backup would (nobody may be connected)."""
        self._count += 1
        name = f"{self.session}_{self._count}"
        original = self.by_dir[source.resolve()]
        self._run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{original}" STRATEGY WAL_LOG'))
        self.by_dir[copy.resolve()] = name

    def create_database(self) -> str:
        """A new database at the migrations' head; the caller drops it (drop_database)."""
        self._count += 1
        name = f"{self.session}_{self._count}"
        self._run(self._clone(name))
        return name

    def drop_database(self, name: str) -> None:
        self._run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def redis_prefix(self) -> str:
        prefix = f"{{limner-test-{uuid.uuid4().hex}}}:"
        self.prefixes.append(prefix)
        return prefix

    def end_test(self) -> None:
        """Drop the databases and Redis keys the test made."""
        names, self.by_dir = list(self.by_dir.values()), {}
        for name in names:
            statement = _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._drops.append(self._dropper.submit(asyncio.run, statement))
        done = [future for future in self._drops if future.done()]
        self._drops = [future for future in self._drops if not future.done()]
        for future in done:
            future.result()  # a failed drop fails the test that follows it, not silently
        prefixes, self.prefixes = self.prefixes, []
        delete_keys(prefixes)

    def close(self) -> None:
        self.end_test()
        self._dropper.shutdown()
        for drop in self._drops:
            drop.result()
        if self.template is not None:
            self.drop_database(self.template)
        self._thread.shutdown()

    async def _clone(self, name: str) -> None:
        if self.template is None:
            template = f"{self.session}_template"
            await _admin(f'CREATE DATABASE "{template}"')
            self.template = template
            # The migrations, not metadata.create_all: `limner init` on a clone finds it at head.
            await asyncio.to_thread(upgrade, asyncpg_url(template))
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY WAL_LOG')

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._thread.submit(asyncio.run, coro).result()


def back_up(data_dir: Path, backup: Path) -> None:
    """The nightly backup of a data dir without its keys: the files, and in cluster mode its database."""
    shutil.copytree(data_dir, backup)
    if current_mode() == "cluster":
        cluster().copy_database(data_dir, backup)


def run_sql(url: str, statement: str, **params: object) -> list[tuple[Any, ...]]:
    """Run one statement on the database at `url` (SQLite or PostgreSQL) outside any event loop the
    caller has, as an operator (or an attacker) with direct access would; the rows it returns, if any."""

    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return [tuple(row) for row in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, run()).result()


@contextmanager
def server_variables() -> Iterator[dict[str, str]]:
    """LIMNER_* variables giving a `limner` process started outside a test (a module's or the session's
    live server) a database and Redis prefix of its own in cluster mode, dropped at the end; none embedded."""
    if current_mode() == "embedded":
        yield {}
        return
    c = cluster()
    name = c.create_database()
    prefix = f"{{limner-test-{uuid.uuid4().hex}}}:"
    try:
        yield {
            "LIMNER_DATABASE__URL": asyncpg_url(name),
            "LIMNER_IDENTITY__QUOTAS__STORE": json.dumps({"kind": "redis", "prefix": prefix}),
        }
    finally:
        c.drop_database(name)
        delete_keys([prefix])


@contextmanager
def cluster_environment() -> Iterator[None]:
    """server_variables() put in os.environ for a block, for a module's `data_dir` fixture that in-process
    `limner` commands share across tests: the module's tests that use `data_dir` keep it, the others get
    one of their own (tests/conftest.py)."""
    with server_variables() as variables, pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        _shared.append(True)
        try:
            yield
        finally:
            _shared.pop()


_shared: list[bool] = []


def shared_environment() -> bool:
    """True inside cluster_environment(): a module's tests that use its `data_dir` share its database."""
    return bool(_shared)


def delete_keys(prefixes: list[str]) -> None:
    """Delete the Redis keys under `prefixes`."""
    if not prefixes:
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for prefix in prefixes:
            keys = list(client.scan_iter(match=_glob_escape(prefix) + "*", count=1000))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


_active: list[Cluster] = []


def set_cluster(value: Cluster | None) -> None:
    """Start (a Cluster) or end (None) the session's cluster mode."""
    while _active:
        _active.pop().close()
    if value is not None:
        _active.append(value)


def cluster() -> Cluster:
    if not _active:
        raise RuntimeError("cluster mode is not running: set LIMNER_TEST_MODE=cluster before pytest starts")
    return _active[0]


async def _drop_leftovers() -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        names = [
            r[0]
            for r in await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'limner!_t%' ESCAPE '!'"
            )
        ]
        for name in names:
            pid = name.removeprefix("limner_t").split("_", 1)[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)
