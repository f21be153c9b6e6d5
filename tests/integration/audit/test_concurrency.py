"""Integration tests: many concurrent writers never fork the chain, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy import func, select

from limner.audit.models import AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.service import AuditRuntime, install_audit, record
from limner.audit.signing import FakeCheckpointSigner
from limner.audit.verify import verify_chain
from limner.components import Components, build_components
from tests.conftest import _pg_admin, create_schema, make_settings

WRITERS = 40
EACH = 5


async def _hammer(c: Components) -> None:
    async def writer(n: int) -> None:
        for i in range(EACH):
            async with c.sessions.begin() as session:
                await record(
                    session,
                    action=AuditAction.IMAGE_GENERATED,
                    actor_id=f"user{n % 7}",
                    data={"n": n, "i": i},
                )

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))


async def _assert_linear(c: Components, signer: FakeCheckpointSigner, at_least: int) -> None:
    async with c.sessions() as session:
        report = await verify_chain(session, public_key=signer.public_key())
        prevs = (await session.execute(select(func.count(func.distinct(AuditEvent.prev_hash))))).scalar()
    assert report.ok, report.problem
    assert report.events >= at_least
    assert prevs == report.events  # no two events share a predecessor: the chain never forked


async def test_concurrent_writers_on_sqlite(components: Components, signer: FakeCheckpointSigner) -> None:
    await _hammer(components)
    await _assert_linear(components, signer, WRITERS * EACH)


async def test_concurrent_writers_on_postgres(tmp_path: Path, pg_database: str) -> None:
    # A database of its own: the session-wide one must stay free for the migration test.
    name = f"limner_audit_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        await _run_on(tmp_path, pg_database.rsplit("/", 1)[0] + f"/{name}")
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _run_on(tmp_path: Path, url: str) -> None:
    c = build_components(make_settings(tmp_path / "pg", database={"url": url}))
    signer = FakeCheckpointSigner()
    install_audit(c.sessions, AuditRuntime(signer=signer, checkpoint_every=25))
    try:
        await create_schema(c.engine)
        await _hammer(c)
        await _assert_linear(c, signer, WRITERS * EACH)
    finally:
        await c.aclose()
