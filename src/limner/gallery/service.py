"""A person's own generations and images: search by date, model and status; erase one image."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import ConflictError, NotFoundError
from limner.gallery.collection_models import CollectionItem, Favourite, ImageTag
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.privacy.service import holds_on_user
from limner.vault.service import BlobStore, open_value

STATUSES = tuple(GenerationStatus)


@dataclass(frozen=True, slots=True)
class GalleryFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    model: str | None = None
    status: str | None = None
    favourites_of: str | None = None  # a user id: only images they marked as favourites
    collection_id: str | None = None  # a collection the person may see (the caller checks)
    tag: str | None = None

    @property
    def by_image(self) -> bool:
        return bool(self.favourites_of or self.collection_id or self.tag)


@dataclass(frozen=True, slots=True)
class GalleryEntry:
    generation: Generation
    images: list[ImageRecord]


async def search(
    session: AsyncSession, *, owner_id: str, filters: GalleryFilter, limit: int = 60
) -> list[GalleryEntry]:
    """Newest first; each generation with its output images (held or blocked ones have none)."""
    query = select(Generation).where(Generation.owner_id == owner_id)
    if filters.since:
        query = query.where(Generation.created_at >= _start(filters.since))
    if filters.until:
        query = query.where(Generation.created_at < _start(filters.until + timedelta(days=1)))
    if filters.model:
        query = query.where(Generation.model == filters.model)
    if filters.status:
        query = query.where(Generation.status == filters.status)
    chosen = _chosen_images(filters)
    if chosen is not None:
        query = query.where(
            Generation.id.in_(select(ImageRecord.generation_id).where(ImageRecord.id.in_(chosen)))
        )
    rows = (await session.execute(query.order_by(Generation.created_at.desc()).limit(limit))).scalars().all()
    images = await _outputs(session, [g.id for g in rows], chosen)
    return [GalleryEntry(g, [i for i in images if i.generation_id == g.id]) for g in rows]


def _chosen_images(filters: GalleryFilter) -> Select[str] | None:
    """Image ids matching the favourite, collection and tag filters (None: no such filter)."""
    if not filters.by_image:
        return None
    query = select(ImageRecord.id)
    if filters.favourites_of:
        query = query.where(
            ImageRecord.id.in_(select(Favourite.image_id).where(Favourite.user_id == filters.favourites_of))
        )
    if filters.collection_id:
        in_collection = select(CollectionItem.image_id).where(
            CollectionItem.collection_id == filters.collection_id
        )
        query = query.where(ImageRecord.id.in_(in_collection))
    if filters.tag:
        query = query.where(ImageRecord.id.in_(select(ImageTag.image_id).where(ImageTag.tag == filters.tag)))
    return query


async def models_used(session: AsyncSession, *, owner_id: str) -> list[str]:
    query = select(Generation.model).where(Generation.owner_id == owner_id).distinct()
    return sorted((await session.execute(query)).scalars().all())


async def image_with_generation(session: AsyncSession, image_id: str) -> tuple[ImageRecord, Generation]:
    query = (
        select(ImageRecord, Generation)
        .join(Generation, Generation.id == ImageRecord.generation_id)
        .where(ImageRecord.id == image_id, ImageRecord.role == "output")
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFoundError("No such image.")
    return row[0], row[1]


async def erase_image(
    session: AsyncSession, store: BlobStore, image: ImageRecord, *, actor_id: str, request_id: str | None
) -> None:
    """Delete the encrypted file and its record (its shares go with it); refused under a legal hold."""
    if await holds_on_user(session, image.owner_id):
        raise ConflictError("This image is under a legal hold and cannot be deleted now.", code="legal_hold")
    await session.delete(image)
    await record(
        session,
        action=AuditAction.IMAGE_ERASED,
        actor_id=actor_id,
        subject_type="image",
        subject_id=image.id,
        request_id=request_id,
        data={"generation_id": image.generation_id},
    )
    await session.flush()
    await store.delete(image.id)  # after the row: a failed delete leaves an orphan the sweeper removes


async def _outputs(
    session: AsyncSession, generation_ids: Sequence[str], chosen: Select[str] | None = None
) -> list[ImageRecord]:
    if not generation_ids:
        return []
    query = select(ImageRecord).where(
        ImageRecord.generation_id.in_(generation_ids), ImageRecord.role == "output"
    )
    if chosen is not None:
        query = query.where(ImageRecord.id.in_(chosen))
    return list((await session.execute(query.order_by(ImageRecord.index))).scalars().all())


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def open_revised_prompt(row: Generation, data_key: bytes) -> str | None:
    """Decrypt the model's revised prompt (DALL-E 3 rewrites prompts), if it returned one."""
    if row.revised_prompt_sealed is None:
        return None
    sealed = row.revised_prompt_sealed
    return open_value(data_key, owner_id=row.owner_id, value_id=f"{row.id}:revised", sealed=sealed).decode()
