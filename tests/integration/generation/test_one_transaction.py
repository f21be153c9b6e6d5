"""Integration tests: an allowed generation is one write transaction (the request, its images, its
audit events and its completion), a failed one too, and a request interrupted before that commit
leaves nothing in the database. Crash twin with a real server: tests/integration/vault/test_crash.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select

from limner.audit.models import AuditEvent
from limner.components import Components, build_components
from limner.errors import UpstreamError
from limner.generation.backends.base import BackendResult
from limner.generation.backends.fake import FakeBackend
from limner.imaging.records import Generation, ImageRecord
from limner.imaging.requests import ImageRequest
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"
BODY = {"model": "fake-model", "prompt": "a lighthouse"}


def _write_transactions(c: Components) -> set[int]:
    """The transactions from now on that wrote (INSERT, UPDATE or DELETE), by their order of beginning, on
    SQLite and PostgreSQL alike. The database blob store (cluster mode's default) is left out: like a file
    or a bucket, it holds the sealed bytes before their record exists (an orphan at most, for the janitor)."""
    begun, wrote = [0], set[int]()

    def on_begin(_conn: Any) -> None:
        begun[0] += 1

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split(None, 3)
        if words[0].upper() in ("INSERT", "UPDATE", "DELETE") and "blobs" not in words[1:3]:
            wrote.add(begun[0])

    event.listen(c.engine.sync_engine, "begin", on_begin)
    event.listen(c.engine.sync_engine, "before_cursor_execute", on_execute)
    return wrote


async def _events(c: Components, generation_id: str) -> list[tuple[str, str | None]]:
    query = select(AuditEvent.action, AuditEvent.request_id).where(AuditEvent.subject_id == generation_id)
    async with c.sessions() as session:
        return [(row[0], row[1]) for row in await session.execute(query.order_by(AuditEvent.seq))]


async def test_an_allowed_generation_is_one_write_transaction(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    first = await client.post(GEN, headers=creator.headers, json=BODY)  # creates the data key
    assert first.status_code == 200
    wrote = _write_transactions(components)
    resp = await client.post(GEN, headers=creator.headers, json=BODY)
    assert resp.status_code == 200
    assert len(wrote) == 1
    async with components.sessions() as session:
        row = (
            (await session.execute(select(Generation).order_by(Generation.created_at.desc())))
            .scalars()
            .first()
        )
        assert row is not None
        assert row.status == "completed"
        assert row.completed_at is not None
        assert row.created_at < row.completed_at  # the request's time, not the commit's
        images = (
            await session.execute(select(func.count()).where(ImageRecord.generation_id == row.id))
        ).scalar()
    assert images == 1
    request_id = resp.headers["x-request-id"]
    assert await _events(components, row.id) == [
        ("image.generate.requested", request_id),
        ("image.generated", request_id),
    ]


class HangingBackend:
    """An upstream that never answers: the request is interrupted inside the backend call."""

    def __init__(self) -> None:
        self.called = asyncio.Event()

    async def generate(self, request: ImageRequest) -> BackendResult:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def test_an_interrupted_request_leaves_nothing_in_the_database(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path / "data"))
    await create_schema(c.engine)
    hanging = HangingBackend()
    c.backends["fake"] = hanging
    caller = await make_caller(c, roles=["creator"])
    transport = httpx.ASGITransport(app=create_app(components=c))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            request = asyncio.create_task(http.post(GEN, headers=caller.headers, json=BODY))
            await asyncio.wait_for(hanging.called.wait(), timeout=60)
            request.cancel()  # what a crash does to the request: it never reaches its commit
            await asyncio.gather(request, return_exceptions=True)
        async with c.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(Generation))).scalar() == 0
            actions = (await session.execute(select(AuditEvent.action))).scalars().all()
        assert not [a for a in actions if a.startswith("image.")]
    finally:
        await c.aclose()


async def test_a_failed_generation_is_written_whole_in_one_transaction(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    first = await client.post(GEN, headers=creator.headers, json=BODY)
    assert first.status_code == 200
    fake = components.backends["fake"]
    assert isinstance(fake, FakeBackend)
    fake.fail_with = UpstreamError("The upstream failed.")
    wrote = _write_transactions(components)
    resp = await client.post(GEN, headers=creator.headers, json=BODY)
    assert resp.status_code == 502
    assert len(wrote) == 1
    async with components.sessions() as session:
        row = (await session.execute(select(Generation).where(Generation.status == "failed"))).scalar_one()
    assert row.error_code == resp.json()["error"]["code"]
    assert [action for action, _ in await _events(components, row.id)] == [
        "image.generate.requested",
        "image.failed",
    ]
