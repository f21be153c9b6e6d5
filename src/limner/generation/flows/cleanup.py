"""Crash clean-up: blobs no record points at (a generation is written in one transaction at its end, so
a crash leaves only those), and generations left `pending` by versions that wrote them in two."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.db import reading, utcnow
from limner.generation.service import fail_abandoned
from limner.vault.janitor import find_orphan_blobs


@dataclass
class CleanupReport:
    orphans_deleted: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"orphans_deleted": len(self.orphans_deleted), "abandoned": self.abandoned}


async def clean_up_after_crash(
    c: Components,
    older_than: timedelta,
    *,
    pending_timeout: timedelta | None = None,
    now: datetime | None = None,
) -> CleanupReport:
    """Delete blobs older than `older_than` with no ImageRecord; fail generations pending longer
    than `pending_timeout` (default `older_than`), each with an audit event."""
    now = now or utcnow()
    async with reading(c.sessions) as session:
        orphans = await find_orphan_blobs(session, c.blob_store, cutoff=now - older_than)
    report = CleanupReport(orphans_deleted=orphans)
    for key in report.orphans_deleted:
        await c.blob_store.delete(key)
    async with c.sessions.begin() as session:
        report.abandoned = await fail_abandoned(session, cutoff=now - (pending_timeout or older_than))
        if report.orphans_deleted:
            await record(
                session, action=AuditAction.BLOBS_SWEPT, data={"deleted": len(report.orphans_deleted)}
            )
    return report
