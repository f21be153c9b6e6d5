"""Integration tests: the crash clean-up removes orphan blobs and fails generations a crash left pending."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.generation.flows.cleanup import clean_up_after_crash
from limner.imaging.records import Generation, ImageRecord
from limner.vault.blob_stores.database import DatabaseBlobStore, StoredBlob
from tests.factories import Caller


async def _backdate(c: Components, key: str, seconds: int) -> None:
    if isinstance(c.blob_store, DatabaseBlobStore):  # cluster mode
        async with c.sessions.begin() as session:
            await session.execute(
                update(StoredBlob)
                .where(StoredBlob.key == key)
                .values(modified_at=utcnow() - timedelta(seconds=seconds))
            )
        return
    root = c.settings.data_dir / "blobs"
    path = root / key[:2] / key
    past = time.time() - seconds
    os.utime(path, (past, past))


async def test_orphans_past_the_grace_period_go_and_recorded_blobs_stay(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    resp = await client.post(
        "/v1/images/generations", headers=creator.headers, json={"model": "limner-local", "prompt": "x"}
    )
    assert resp.status_code == 200
    kept = (await components.blob_store.keys())[0]
    await components.blob_store.put("orphan000001", b"sealed")
    await components.blob_store.put("orphan000002", b"sealed")
    for key in (kept, "orphan000001"):
        await _backdate(components, key, 7200)
    report = await clean_up_after_crash(components, timedelta(hours=1))
    assert report.orphans_deleted == ["orphan000001"]  # orphan000002 is inside its grace period
    assert sorted(await components.blob_store.keys()) == sorted([kept, "orphan000002"])
    async with components.sessions() as session:
        assert (await session.execute(select(ImageRecord.id))).scalar_one() == kept
        swept = select(AuditEvent).where(AuditEvent.action == "vault.blobs.swept")
        assert (await session.execute(swept)).scalar_one().data == {"deleted": 1}


async def test_stuck_pending_generations_are_failed_with_an_audit_event(
    components: Components, creator: Caller
) -> None:
    async with components.sessions.begin() as session:
        row = Generation(
            owner_id=creator.user_id, request_id="r", operation="generate", model="m", status="pending",
            created_at=utcnow() - timedelta(hours=2),
        )  # fmt: skip
        session.add(row)
    report = await clean_up_after_crash(components, timedelta(hours=1))
    assert report.abandoned == [row.id]
    async with components.sessions() as session:
        stored = await session.get(Generation, row.id)
        assert stored is not None
        assert (stored.status, stored.error_code) == ("failed", "abandoned")
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "image.abandoned"))
        ).scalar_one()
        assert event.subject_id == row.id
