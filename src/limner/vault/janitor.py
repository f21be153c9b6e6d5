"""Blobs no record points at. Blobs are written before their records (generation/flows/images.py),
so a crash can leave a blob without a record, never the reverse; the cutoff keeps in-flight
generations' blobs safe. The caller deletes what this finds (generation/flows/cleanup.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.imaging.records import ImageRecord
from limner.vault.blob_stores.base import BlobStore

_CHUNK = 500


async def find_orphan_blobs(session: AsyncSession, store: BlobStore, *, cutoff: datetime) -> list[str]:
    """Keys of blobs older than `cutoff` with no ImageRecord (temporary `.tmp` files included)."""
    old = [e.key for e in await store.entries() if e.modified_at < cutoff]
    known: set[str] = set()
    for start in range(0, len(old), _CHUNK):
        chunk = [k for k in old[start : start + _CHUNK] if not k.endswith(".tmp")]
        query = select(ImageRecord.id).where(ImageRecord.id.in_(chunk))
        known.update((await session.execute(query)).scalars())
    return [k for k in old if k not in known]
