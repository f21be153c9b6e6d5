"""Retention purge: drop each data class past its retention, skipping anything under a legal hold.

Database rows go first (one transaction, audited); blobs are deleted after the commit, so a crash
leaves an orphan blob for the janitor, never a record that points at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditCheckpoint, AuditEvent, AuditOutbox
from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.imaging.records import Generation, ImageRecord
from limner.privacy.config import RetentionSettings
from limner.privacy.holds import active_holds
from limner.privacy.rules import DataClass, Hold, audit_purge_bound, cutoffs, holding


@dataclass
class PurgeReport:
    now: datetime
    dry_run: bool
    removed: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in DataClass})
    kept_by_hold: int = 0
    blobs: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "removed": self.removed,
            "kept_by_hold": self.kept_by_hold,
            "blobs_deleted": 0 if self.dry_run else len(self.blobs),
        }


async def purge_rows(
    session: AsyncSession, *, retention: RetentionSettings, batch: int, now: datetime, dry_run: bool
) -> PurgeReport:
    """Drop (or count, on a dry run) what is past retention; `report.blobs` lists the blobs the caller
    deletes after the commit (privacy/flows.py)."""
    report = PurgeReport(now=now, dry_run=dry_run)
    limits = cutoffs(retention, now)
    holds = await active_holds(session)
    ctx = _Pass(session, report, holds, batch)
    await ctx.prompts(Generation.prompt_sealed, limits[DataClass.PROMPT_TEXT], DataClass.PROMPT_TEXT)
    await ctx.prompts(
        Generation.revised_prompt_sealed, limits[DataClass.REVISED_PROMPT], DataClass.REVISED_PROMPT
    )
    await ctx.images(limits[DataClass.IMAGES])
    await ctx.generations(limits[DataClass.USAGE_STATISTICS])
    await ctx.audit(audit_purge_bound(limits[DataClass.AUDIT_METADATA], holds))
    if not dry_run and any(report.removed.values()):
        await record(session, action=AuditAction.PRIVACY_PURGED, data=report.as_json())
    return report


class _Pass:
    """One purge run over one transaction; each method handles one data class."""

    def __init__(self, session: AsyncSession, report: PurgeReport, holds: list[Hold], batch: int) -> None:
        self.session, self.report, self.holds, self.batch = session, report, holds, batch

    async def _expired(self, model: Any, limit: datetime, cls: DataClass, *where: Any) -> list[str]:
        """Ids of `model` rows created before `limit` (one batch) and under no hold; counts both."""
        query = select(model.id, model.owner_id, model.created_at).where(model.created_at < limit, *where)
        ids = []
        for row_id, owner_id, created_at in await self.session.execute(query.limit(self.batch)):
            if holding(created_at, owner_id, self.holds) is None:
                ids.append(row_id)
            else:
                self.report.kept_by_hold += 1
        self.report.removed[cls.value] = len(ids)
        return ids

    async def prompts(self, column: Any, limit: datetime | None, cls: DataClass) -> None:
        if limit is None:
            return
        ids = await self._expired(Generation, limit, cls, column.is_not(None))
        if ids and not self.report.dry_run:
            await self.session.execute(
                update(Generation).where(Generation.id.in_(ids)).values({column.key: None})
            )

    async def images(self, limit: datetime | None) -> None:
        if limit is None:
            return
        ids = await self._expired(ImageRecord, limit, DataClass.IMAGES)
        self.report.blobs.extend(ids)
        if ids and not self.report.dry_run:
            await self.session.execute(delete(ImageRecord).where(ImageRecord.id.in_(ids)))

    async def generations(self, limit: datetime | None) -> None:
        if limit is None:
            return
        ids = await self._expired(Generation, limit, DataClass.USAGE_STATISTICS)
        images = select(ImageRecord.id).where(ImageRecord.generation_id.in_(ids))
        self.report.blobs.extend((await self.session.execute(images)).scalars())
        if ids and not self.report.dry_run:
            await self.session.execute(delete(ImageRecord).where(ImageRecord.generation_id.in_(ids)))
            await self.session.execute(delete(Generation).where(Generation.id.in_(ids)))

    async def audit(self, bound: datetime | None) -> None:
        """Drop the oldest events up to the newest checkpoint before `bound`: the kept checkpoint
        anchors the first remaining event, so the chain still verifies."""
        if bound is None:
            return
        query = (
            select(AuditCheckpoint.seq)
            .join(AuditEvent, AuditEvent.seq == AuditCheckpoint.seq)
            .where(AuditEvent.at < bound, AuditCheckpoint.signature.is_not(None))
            .order_by(AuditCheckpoint.seq.desc())
            .limit(1)
        )
        upto = (await self.session.execute(query)).scalar()
        if upto is None:
            return
        first = (
            await self.session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq).limit(1))
        ).scalar() or 0
        self.report.removed[DataClass.AUDIT_METADATA.value] = max(0, upto - first + 1)
        if not self.report.dry_run:
            await self.session.execute(delete(AuditOutbox).where(AuditOutbox.seq <= upto))
            await self.session.execute(delete(AuditEvent).where(AuditEvent.seq <= upto))
            await self.session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq < upto))
