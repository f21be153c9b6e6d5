"""Generation records: create, finish, fail, and look up images. The caller owns the transaction."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.db import new_id, utcnow
from limner.errors import NotFoundError
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.imaging.requests import ImageRequest, InputImage
from limner.vault.blob_stores.base import BlobStore
from limner.vault.service import get_sealed, open_value, prompt_hmac, put_sealed, seal_value


async def create_generation(
    session: AsyncSession,
    *,
    owner_id: str,
    data_key: bytes,
    prompt: str | None,
    status: GenerationStatus,
    **fields: Any,
) -> Generation:
    row = Generation(
        **generation_values(owner_id=owner_id, data_key=data_key, prompt=prompt, status=status, **fields)
    )
    session.add(row)
    await session.flush()
    return row


def generation_values(
    *, owner_id: str, data_key: bytes, prompt: str | None, status: GenerationStatus, **fields: Any
) -> dict[str, Any]:
    """A new generation's column values (a fresh id, the sealed prompt, its HMAC, the creation time),
    written now by `create_generation` or later, with the result, by the flow's closing transaction."""
    generation_id = new_id()
    sealed = (
        seal_value(data_key, owner_id=owner_id, value_id=f"{generation_id}:prompt", data=prompt.encode())
        if prompt is not None
        else None
    )
    return {
        "id": generation_id,
        "owner_id": owner_id,
        "status": status,
        "prompt_sealed": sealed,
        "prompt_hmac": prompt_hmac(data_key, prompt) if prompt is not None else None,
        "created_at": utcnow(),
        **fields,
    }


async def get_generation(session: AsyncSession, generation_id: str) -> Generation:
    row = await session.get(Generation, generation_id)
    if row is None:
        raise NotFoundError("No such generation.")
    return row


def open_prompt(row: Generation, data_key: bytes) -> str | None:
    """Decrypt the stored prompt; callers audit every use (reveals, dry-runs, exports)."""
    if row.prompt_sealed is None:
        return None
    raw = open_value(data_key, owner_id=row.owner_id, value_id=f"{row.id}:prompt", sealed=row.prompt_sealed)
    return raw.decode()


def seal_revised_prompt(row: Generation, data_key: bytes, revised: str) -> None:
    row.revised_prompt_sealed = seal_value(
        data_key, owner_id=row.owner_id, value_id=f"{row.id}:revised", data=revised.encode()
    )


def finish(
    row: Generation,
    *,
    status: GenerationStatus,
    upstream_ms: float | None = None,
    error_code: str | None = None,
    now: datetime | None = None,
) -> None:
    row.status = status
    row.upstream_ms = upstream_ms
    row.error_code = error_code
    row.completed_at = now or utcnow()


async def fail_abandoned(session: AsyncSession, *, cutoff: datetime) -> list[str]:
    """Fail generations still `pending` since before `cutoff` (a crash or restart interrupted them)."""
    query = select(Generation).where(
        Generation.status == GenerationStatus.PENDING, Generation.created_at < cutoff
    )
    ids = []
    for row in (await session.execute(query)).scalars():
        finish(row, status=GenerationStatus.FAILED, error_code="abandoned")
        await record(
            session,
            action=AuditAction.IMAGE_ABANDONED,
            actor_id=row.owner_id,
            subject_type="generation",
            subject_id=row.id,
            outcome=GenerationStatus.FAILED,
            data={"reason": "pending past the timeout (a crash or restart interrupted it)"},
        )
        ids.append(row.id)
    return ids


async def get_image(session: AsyncSession, image_id: str) -> ImageRecord:
    row = await session.get(ImageRecord, image_id)
    if row is None:
        raise NotFoundError("No such image.")
    return row


async def iter_prompts(
    session: AsyncSession, *, since: datetime, data_key_for_owner: Any
) -> AsyncIterator[tuple[Generation, str]]:
    """Yield (generation, decrypted prompt) since `since`, skipping owners whose key was shredded."""
    query = select(Generation).where(Generation.created_at >= since, Generation.prompt_sealed.is_not(None))
    for row in (await session.execute(query.order_by(Generation.created_at))).scalars().all():
        key = await data_key_for_owner(row.owner_id)
        prompt = open_prompt(row, key) if key is not None else None
        if prompt is not None:
            yield row, prompt


async def keep_inputs(
    session: AsyncSession,
    store: BlobStore,
    key: bytes,
    *,
    generation_id: str,
    owner_id: str,
    request: ImageRequest,
) -> None:
    """Store a held request's input images (sealed) so it can run after approval."""
    inputs = [*request.images, *([request.mask] if request.mask else [])]
    for index, image in enumerate(inputs):
        record = ImageRecord(
            id=new_id(),
            generation_id=generation_id,
            owner_id=owner_id,
            index=index,
            role="mask" if image is request.mask else "input",
            format="png",
            width=image.width,
            height=image.height,
            size_bytes=len(image.data),
            sha256=hashlib.sha256(image.data).hexdigest(),
        )
        await put_sealed(store, key, owner_id=owner_id, blob_id=record.id, data=image.data)
        session.add(record)


async def load_inputs(
    session: AsyncSession, store: BlobStore, key: bytes, *, generation_id: str
) -> tuple[tuple[InputImage, ...], InputImage | None]:
    query = (
        select(ImageRecord)
        .where(ImageRecord.generation_id == generation_id, ImageRecord.role.in_(("input", "mask")))
        .order_by(ImageRecord.index)
    )
    images, mask = [], None
    for rec in (await session.execute(query)).scalars():
        data = await get_sealed(store, key, owner_id=rec.owner_id, blob_id=rec.id)
        image = InputImage(data=data, width=rec.width, height=rec.height)
        if rec.role == "mask":
            mask = image
        else:
            images.append(image)
    return tuple(images), mask


async def output_images(session: AsyncSession, generation_id: str) -> list[ImageRecord]:
    query = select(ImageRecord).where(
        ImageRecord.generation_id == generation_id, ImageRecord.role == "output"
    )
    return list((await session.execute(query.order_by(ImageRecord.index))).scalars())
