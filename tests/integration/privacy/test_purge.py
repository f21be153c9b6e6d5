"""Integration tests: retention purge per data class, dry runs, legal holds, audit prefix purge.

Unit tests of the expiry math: tests/unit/privacy/test_rules.py."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from limner.audit.models import AuditCheckpoint, AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.service import AuditRuntime, install_audit, record
from limner.audit.signing import FakeCheckpointSigner
from limner.audit.verify import verify_chain
from limner.components import Components
from limner.db import utcnow
from limner.imaging.records import Generation, ImageRecord
from limner.privacy import holds
from limner.privacy.config import RetentionSettings
from limner.privacy.flows import purge_expired
from tests.factories import Caller
from tests.integration.privacy.helpers import generate


def _retain(c: Components, **days: int) -> None:
    c.settings.privacy.retention = RetentionSettings(**days)


async def _age(c: Components, days: int) -> None:
    """Make every row look `days` old."""
    then = utcnow() - timedelta(days=days)
    async with c.sessions.begin() as session:
        await session.execute(update(Generation).values(created_at=then))
        await session.execute(update(ImageRecord).values(created_at=then))


async def _count(c: Components, query: object) -> int:
    async with c.sessions() as session:
        return int((await session.execute(query)).scalar() or 0)  # type: ignore[call-overload]


async def test_dry_run_reports_and_changes_nothing(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "a quiet harbour")
    await _age(components, 40)
    _retain(components, prompt_text_days=30, images_days=30)
    report = await purge_expired(components, utcnow(), dry_run=True)
    assert report.removed["prompt_text"] == 1
    assert report.removed["images"] == 1
    assert await _count(components, select(func.count()).where(Generation.prompt_sealed.is_not(None))) == 1
    assert len(await components.blob_store.keys()) == 1


async def test_purge_removes_each_expired_class_and_is_audited(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "a quiet harbour")
    await _age(components, 40)
    _retain(components, prompt_text_days=30, images_days=30)
    report = await purge_expired(components, utcnow(), dry_run=False)
    assert (report.removed["prompt_text"], report.removed["images"], report.as_json()["blobs_deleted"]) == (
        1,
        1,
        1,
    )
    assert await _count(components, select(func.count()).where(Generation.prompt_sealed.is_not(None))) == 0
    assert await _count(components, select(func.count()).select_from(ImageRecord)) == 0
    assert await components.blob_store.keys() == []
    assert await _count(components, select(func.count()).where(AuditEvent.action == "privacy.purged")) == 1


async def test_fresh_data_and_unlimited_classes_stay(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "a quiet harbour")
    _retain(components, prompt_text_days=30, usage_statistics_days=30)
    report = await purge_expired(components, utcnow(), dry_run=False)
    assert not any(report.removed.values())
    await _age(components, 40)
    _retain(components)
    assert not any((await purge_expired(components, utcnow(), dry_run=False)).removed.values())


async def test_usage_statistics_purge_deletes_generations_and_their_blobs(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "a quiet harbour")
    await _age(components, 400)
    _retain(components, usage_statistics_days=365)
    report = await purge_expired(components, utcnow(), dry_run=False)
    assert report.removed["usage_statistics"] == 1
    assert await _count(components, select(func.count()).select_from(Generation)) == 0
    assert await components.blob_store.keys() == []


async def test_legal_hold_on_a_user_suspends_their_purge(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await generate(client, creator, "held prompt")
    await generate(client, admin, "free prompt")
    await _age(components, 40)
    async with components.sessions.begin() as session:
        await holds.add_hold(
            session, scope="user", reason="case 7", actor_id=admin.user_id, user_id=creator.user_id
        )
    _retain(components, prompt_text_days=30)
    report = await purge_expired(components, utcnow(), dry_run=False)
    assert (report.removed["prompt_text"], report.kept_by_hold) == (1, 1)
    owners = select(Generation.owner_id).where(Generation.prompt_sealed.is_not(None))
    async with components.sessions() as session:
        assert list((await session.execute(owners)).scalars()) == [creator.user_id]


async def test_time_range_hold_keeps_rows_created_inside_it(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "in range")
    await _age(components, 40)
    async with components.sessions.begin() as session:
        await holds.add_hold(
            session, scope="range", reason="audit 2026", actor_id=None,
            starts_at=utcnow() - timedelta(days=50), ends_at=utcnow() - timedelta(days=35),
        )  # fmt: skip
    _retain(components, prompt_text_days=30)
    report = await purge_expired(components, utcnow(), dry_run=False)
    assert (report.removed["prompt_text"], report.kept_by_hold) == (0, 1)


async def test_audit_purge_drops_a_prefix_and_the_chain_still_verifies(components: Components) -> None:
    signer = FakeCheckpointSigner()
    install_audit(components.sessions, AuditRuntime(signer=signer, checkpoint_every=4))
    async with components.sessions.begin() as session:
        for i in range(10):
            await record(session, action=AuditAction.IMAGE_GENERATED, data={"i": i})
    _retain(components, audit_metadata_days=365)
    # Event times are hashed, so time moves forward instead of the events moving back.
    report = await purge_expired(components, utcnow() + timedelta(days=400), dry_run=False)
    assert report.removed["audit_metadata"] == 8  # up to the newest signed checkpoint (seq 8)
    async with components.sessions() as session:
        result = await verify_chain(session, public_key=signer.public_key())
        cps = list((await session.execute(select(AuditCheckpoint.seq))).scalars())
    assert result.ok, result.problem
    assert (result.first_seq, cps) == (9, [8])
