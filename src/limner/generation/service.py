"""Generation records: create, finish, fail, and look up images. The caller owns the transaction."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import new_id, utcnow
from limner.errors import NotFoundError
from limner.generation.models import Generation, ImageRecord
from limner.vault.service import open_value, seal_value


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def create_generation(
    session: AsyncSession,
    *,
    owner_id: str,
    data_key: bytes,
    prompt: str | None,
    status: str,
    **fields: Any,
) -> Generation:
    generation_id = new_id()
    sealed = (
        seal_value(data_key, owner_id=owner_id, value_id=f"{generation_id}:prompt", data=prompt.encode())
        if prompt is not None
        else None
    )
    row = Generation(
        id=generation_id,
        owner_id=owner_id,
        status=status,
        prompt_sealed=sealed,
        prompt_sha256=sha256_text(prompt) if prompt is not None else None,
        **fields,
    )
    session.add(row)
    await session.flush()
    return row


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
    status: str,
    upstream_ms: float | None = None,
    error_code: str | None = None,
    now: datetime | None = None,
) -> None:
    row.status = status
    row.upstream_ms = upstream_ms
    row.error_code = error_code
    row.completed_at = now or utcnow()


async def get_image(session: AsyncSession, image_id: str) -> ImageRecord:
    row = await session.get(ImageRecord, image_id)
    if row is None:
        raise NotFoundError("No such image.")
    return row


async def iter_prompts(
    session: AsyncSession, *, since: datetime, data_key_for_owner: Any
) -> AsyncIterator[tuple[Generation, str]]:
    """Yield (generation, decrypted prompt) since `since`, skipping owners whose key was shredded."""
    rows = await session.stream_scalars(
        select(Generation).where(Generation.created_at >= since, Generation.prompt_sealed.is_not(None))
    )
    async for row in rows:
        key = await data_key_for_owner(row.owner_id)
        prompt = open_prompt(row, key) if key is not None else None
        if prompt is not None:
            yield row, prompt
