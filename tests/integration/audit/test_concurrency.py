"""Integration tests: many concurrent writers never fork the chain, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from limner.audit.models import AuditEvent
from limner.audit.service import AuditRuntime, install_audit, record
from limner.audit.signing import FakeCheckpointSigner
from limner.audit.verify import verify_chain
from limner.components import Components, build_components
from tests.conftest import create_schema, make_settings

WRITERS = 40
EACH = 5


async def _hammer(c: Components) -> None:
    async def writer(n: int) -> None:
        for i in range(EACH):
            async with c.sessions.begin() as session:
                await record(
                    session, action="image.generated", actor_id=f"user{n % 7}", data={"n": n, "i": i}
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
    c = build_components(make_settings(tmp_path / "pg", database={"url": pg_database}))
    signer = FakeCheckpointSigner()
    install_audit(c.sessions, AuditRuntime(signer=signer, checkpoint_every=25))
    try:
        await create_schema(c.engine)
        await _hammer(c)
        await _assert_linear(c, signer, WRITERS * EACH)
    finally:
        await c.aclose()
