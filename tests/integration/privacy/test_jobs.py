"""Integration tests: the privacy and audit background jobs run through the shared job runner."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select

from limner.audit.jobs import audit_jobs
from limner.audit.models import AuditCheckpoint, AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.db import utcnow
from limner.generation.jobs import generation_jobs
from limner.imaging.records import Generation
from limner.jobs import run_once
from limner.privacy.config import RetentionSettings
from limner.privacy.jobs import privacy_jobs
from tests.factories import Caller
from tests.integration.privacy.helpers import generate


async def test_scheduled_purge_and_janitor_run_once(
    client: httpx.AsyncClient, components: Components, creator: Caller
) -> None:
    await generate(client, creator, "old prompt")
    async with components.sessions.begin() as session:
        row = (await session.execute(select(Generation))).scalar_one()
        row.created_at = utcnow() - timedelta(days=10)
    components.settings.privacy.retention = RetentionSettings(prompt_text_days=5)
    jobs = {job.name: job for job in privacy_jobs(components) + generation_jobs()}
    assert set(jobs) == {"privacy.purge", "vault.janitor"}
    assert await run_once(components, jobs["privacy.purge"])
    assert await run_once(components, jobs["vault.janitor"])
    async with components.sessions() as session:
        sealed = select(func.count()).where(Generation.prompt_sealed.is_not(None))
        assert (await session.execute(sealed)).scalar() == 0
        purged = select(func.count()).where(AuditEvent.action == "privacy.purged")
        assert (await session.execute(purged)).scalar() == 1


async def test_audit_jobs_sign_pending_checkpoints(components: Components) -> None:
    async with components.sessions.begin() as session:
        for i in range(1000):
            await record(session, action=AuditAction.AUDIT_EXPORTED, data={"i": i})
    jobs = {job.name: job for job in audit_jobs(components)}
    assert await run_once(components, jobs["audit.sign_checkpoints"])
    assert await run_once(components, jobs["audit.drain"])
    async with components.sessions() as session:
        checkpoint = (await session.execute(select(AuditCheckpoint))).scalar_one()
    assert checkpoint.signature is not None
    assert (components.settings.data_dir / "keys" / "audit-signing.pem").exists()
