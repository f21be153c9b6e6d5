"""Re-generation sets: "Generate again" adds a generation to the set of the first one, and a person
cycles through and compares its results. The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.imaging.records import Generation, GenerationStatus, ImageRecord


@dataclass(frozen=True, slots=True)
class SetMember:
    generation: Generation
    images: list[ImageRecord]


async def own_generation(session: AsyncSession, generation_id: str, owner_id: str) -> Generation | None:
    """One of the person's own text-to-image generations, or None (someone else's, an edit, missing)."""
    row = await session.get(Generation, generation_id)
    if row is None or row.owner_id != owner_id or row.operation != "generate":
        return None
    return row


def set_root(row: Generation) -> str:
    return row.again_of or row.id


async def set_members(session: AsyncSession, *, owner_id: str, root: str) -> list[SetMember]:
    """The completed generations of a set, oldest first, with their output images."""
    query = (
        select(Generation)
        .where(
            Generation.owner_id == owner_id,
            or_(Generation.id == root, Generation.again_of == root),
            Generation.status == GenerationStatus.COMPLETED,
        )
        .order_by(Generation.created_at, Generation.id)
    )
    rows = list((await session.execute(query)).scalars())
    images = await _outputs(session, [r.id for r in rows])
    return [SetMember(r, [i for i in images if i.generation_id == r.id]) for r in rows]


async def _outputs(session: AsyncSession, generation_ids: list[str]) -> list[ImageRecord]:
    if not generation_ids:
        return []
    query = select(ImageRecord).where(
        ImageRecord.generation_id.in_(generation_ids), ImageRecord.role == "output"
    )
    return list((await session.execute(query.order_by(ImageRecord.index))).scalars())
