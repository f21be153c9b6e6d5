"""Envelope encryption service: per-owner data keys, sealed blobs, crypto-shredding, re-wrapping."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from limner.vault.blob_stores.base import BlobStore
from limner.vault.crypto import new_key, open_sealed, seal
from limner.vault.key_providers.base import KeyProvider, WrappedKey
from limner.vault.models import DataKey


def _context(owner_id: str) -> str:
    return f"limner-data-key:{owner_id}"


def _aad(owner_id: str, blob_id: str) -> bytes:
    return f"{owner_id}:{blob_id}".encode()


async def data_key_for(session: AsyncSession, provider: KeyProvider, *, owner_id: str) -> bytes:
    """The owner's data key, created (and wrapped) on first use."""
    row = await session.get(DataKey, owner_id)
    if row is None:
        wrapped = await provider.wrap(new_key(), context=_context(owner_id))
        try:
            async with session.begin_nested():
                row = DataKey(owner_id=owner_id, kek_version=wrapped.kek_version, wrapped=wrapped.ciphertext)
                session.add(row)
        except IntegrityError:  # a concurrent request created it first: use theirs
            row = (await session.execute(select(DataKey).where(DataKey.owner_id == owner_id))).scalar_one()
    return await provider.unwrap(WrappedKey(row.kek_version, row.wrapped), context=_context(owner_id))


async def existing_data_key(session: AsyncSession, provider: KeyProvider, *, owner_id: str) -> bytes | None:
    """The owner's data key, or None once it was shredded (their data is then unreadable)."""
    row = await session.get(DataKey, owner_id)
    if row is None:
        return None
    return await provider.unwrap(WrappedKey(row.kek_version, row.wrapped), context=_context(owner_id))


async def put_sealed(store: BlobStore, key: bytes, *, owner_id: str, blob_id: str, data: bytes) -> None:
    await store.put(blob_id, seal(key, data, aad=_aad(owner_id, blob_id)))


async def get_sealed(store: BlobStore, key: bytes, *, owner_id: str, blob_id: str) -> bytes:
    return open_sealed(key, await store.get(blob_id), aad=_aad(owner_id, blob_id))


def seal_value(key: bytes, *, owner_id: str, value_id: str, data: bytes) -> bytes:
    """Encrypt a small value stored in a database column (prompts, revised prompts)."""
    return seal(key, data, aad=_aad(owner_id, value_id))


def open_value(key: bytes, *, owner_id: str, value_id: str, sealed: bytes) -> bytes:
    return open_sealed(key, sealed, aad=_aad(owner_id, value_id))


async def shred_data_key(session: AsyncSession, *, owner_id: str) -> bool:
    """Destroy the owner's data key: every ciphertext under it, in any backup, becomes unreadable."""
    result = await session.execute(delete(DataKey).where(DataKey.owner_id == owner_id))
    return bool(getattr(result, "rowcount", 0))


async def rewrap_data_keys(session: AsyncSession, provider: KeyProvider) -> int:
    """Re-wrap every data key under the provider's current KEK version; blobs are untouched."""
    current = await provider.current_version()
    rows = (await session.execute(select(DataKey).where(DataKey.kek_version != current))).scalars()
    count = 0
    for row in rows:
        context = _context(row.owner_id)
        plain = await provider.unwrap(WrappedKey(row.kek_version, row.wrapped), context=context)
        wrapped = await provider.wrap(plain, context=context)
        row.kek_version, row.wrapped = wrapped.kek_version, wrapped.ciphertext
        count += 1
    return count
