"""Resolve a verified image to its stored record: the API's verify and `limner verify` share this.

A re-encoded copy keeps only the watermark, which carries a 12-hex-digit id prefix; the record
gives the full image id, the one creation time (the same one the C2PA manifest states), the model
and policy version, and the creator's pseudonym (shown only to callers allowed to read the audit log)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.identity.keys.service import pseudonym
from limner.imaging.records import Generation, ImageRecord
from limner.provenance.verify import VerifyReport


async def complete_report(session: AsyncSession, report: VerifyReport, *, secret_key: bytes) -> VerifyReport:
    """Fill in what our records say about the image; unchanged when no single record matches."""
    if not report.ours or report.image_id is None:
        return report
    query = (
        select(ImageRecord, Generation)
        .join(Generation, Generation.id == ImageRecord.generation_id)
        .where(ImageRecord.id.startswith(report.image_id, autoescape=True), ImageRecord.role == "output")
    )
    found = (await session.execute(query.limit(2))).all()
    if len(found) != 1:
        return report
    image, generation = found[0]
    return report.model_copy(
        update={
            "image_id": image.id,
            "created_at": report.created_at or image.created_at,
            "model": report.model or generation.model,
            "policy_version": report.policy_version or generation.policy_version,
            "creator": report.creator or pseudonym(secret_key, generation.owner_id),
        }
    )
