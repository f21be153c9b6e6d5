"""Crash clean-up: blobs no record points at, and generations a crash left `pending`.

Blobs are written before their records (generation/images_out.py), so a crash can leave a blob
without a record, never the reverse. The grace period keeps in-flight generations' blobs safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.actions import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.db import utcnow
from limner.generation.service import finish
from limner.imaging.records import Generation, ImageRecord

_CHUNK = 500


@dataclass
class JanitorReport:
    orphans_deleted: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"orphans_deleted": len(self.orphans_deleted), "abandoned": self.abandoned}


async def sweep_orphans(
    c: Components,
    older_than: timedelta,
    *,
    pending_timeout: timedelta | None = None,
    now: datetime | None = None,
) -> JanitorReport:
    """Delete blobs older than `older_than` with no ImageRecord; fail generations pending longer
    than `pending_timeout` (default `older_than`), each with an audit event."""
    now = now or utcnow()
    report = JanitorReport(orphans_deleted=await _orphans(c, now - older_than))
    for key in report.orphans_deleted:
        await c.blob_store.delete(key)
    async with c.sessions.begin() as session:
        report.abandoned = await _abandon(session, now - (pending_timeout or older_than))
        if report.orphans_deleted:
            await record(
                session, action=AuditAction.BLOBS_SWEPT, data={"deleted": len(report.orphans_deleted)}
            )
    return report


async def _orphans(c: Components, cutoff: datetime) -> list[str]:
    old = [e.key for e in await c.blob_store.entries() if e.modified_at < cutoff]
    known: set[str] = set()
    async with c.sessions() as session:
        for start in range(0, len(old), _CHUNK):
            chunk = [k for k in old[start : start + _CHUNK] if not k.endswith(".tmp")]
            query = select(ImageRecord.id).where(ImageRecord.id.in_(chunk))
            known.update((await session.execute(query)).scalars())
    return [k for k in old if k not in known]


async def _abandon(session: AsyncSession, cutoff: datetime) -> list[str]:
    query = select(Generation).where(Generation.status == "pending", Generation.created_at < cutoff)
    ids = []
    for row in (await session.execute(query)).scalars():
        finish(row, status="failed", error_code="abandoned")
        await record(
            session,
            action=AuditAction.IMAGE_ABANDONED,
            actor_id=row.owner_id,
            subject_type="generation",
            subject_id=row.id,
            outcome="failed",
            data={"reason": "pending past the timeout (a crash or restart interrupted it)"},
        )
        ids.append(row.id)
    return ids
