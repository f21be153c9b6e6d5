"""Envelope encryption service: per-owner data keys, sealed blobs, crypto-shredding, re-wrapping.

The vault's contract with other domains: it re-exports the `KeyProvider` and `BlobStore` Protocols.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from limner.errors import ConflictError
from limner.vault.blob_stores.base import BlobStore as BlobStore
from limner.vault.crypto import KeyDestroyedError, new_key, open_sealed, seal
from limner.vault.key_providers.base import KeyProvider as KeyProvider
from limner.vault.key_providers.base import WrappedKey
from limner.vault.models import DataKey


def _context(owner_id: str) -> str:
    return f"limner-data-key:{owner_id}"


def _aad(owner_id: str, blob_id: str) -> bytes:
    return f"{owner_id}:{blob_id}".encode()


async def _wrap(provider: KeyProvider, owner_id: str, data_key: bytes) -> WrappedKey:
    inner = await provider.owner_seal(owner_id, data_key)
    return await provider.wrap(inner, context=_context(owner_id))


async def _unwrap(provider: KeyProvider, row: DataKey) -> bytes:
    inner = await provider.unwrap(WrappedKey(row.kek_version, row.wrapped), context=_context(row.owner_id))
    return await provider.owner_open(row.owner_id, inner) if row.owner_sealed else inner


async def data_key_for(session: AsyncSession, provider: KeyProvider, *, owner_id: str) -> bytes:
    """The owner's data key, created (and wrapped) on first use. A row whose owner key was destroyed
    (a database restored from before an erasure) is a 409: nothing is written under it."""
    row = await session.get(DataKey, owner_id)
    if row is None:
        wrapped = await _wrap(provider, owner_id, new_key())
        try:
            async with session.begin_nested():
                row = DataKey(
                    owner_id=owner_id,
                    kek_version=wrapped.kek_version,
                    wrapped=wrapped.ciphertext,
                    owner_sealed=True,
                )
                session.add(row)
        except IntegrityError:  # a concurrent request created it first: use theirs
            row = (await session.execute(select(DataKey).where(DataKey.owner_id == owner_id))).scalar_one()
    try:
        return await _unwrap(provider, row)
    except KeyDestroyedError as exc:
        raise ConflictError(
            "This account's data key was destroyed (the person was erased); nothing can be stored for it.",
            code="data_key_destroyed",
        ) from exc


async def existing_data_key(session: AsyncSession, provider: KeyProvider, *, owner_id: str) -> bytes | None:
    """The owner's data key, or None once it was shredded (their data is then unreadable), also
    when a restored backup still holds the wrapped key but the key store no longer has the owner's key."""
    row = await session.get(DataKey, owner_id)
    if row is None:
        return None
    try:
        return await _unwrap(provider, row)
    except KeyDestroyedError:
        return None


async def put_sealed(store: BlobStore, key: bytes, *, owner_id: str, blob_id: str, data: bytes) -> None:
    await store.put(blob_id, seal(key, data, aad=_aad(owner_id, blob_id)))


async def get_sealed(store: BlobStore, key: bytes, *, owner_id: str, blob_id: str) -> bytes:
    return open_sealed(key, await store.get(blob_id), aad=_aad(owner_id, blob_id))


def seal_value(key: bytes, *, owner_id: str, value_id: str, data: bytes) -> bytes:
    """Encrypt a small value stored in a database column (prompts, revised prompts)."""
    return seal(key, data, aad=_aad(owner_id, value_id))


def open_value(key: bytes, *, owner_id: str, value_id: str, sealed: bytes) -> bytes:
    return open_sealed(key, sealed, aad=_aad(owner_id, value_id))


async def shred_data_key(session: AsyncSession, provider: KeyProvider, *, owner_id: str) -> bool:
    """Destroy the owner's key in the key store, then the wrapped data key: every ciphertext under
    it, in any backup of the database or blobs, becomes unreadable."""
    destroyed = await provider.destroy_owner(owner_id)
    result = await session.execute(delete(DataKey).where(DataKey.owner_id == owner_id))
    return destroyed or bool(getattr(result, "rowcount", 0))


async def rewrap_data_keys(session: AsyncSession, provider: KeyProvider) -> int:
    """Re-wrap every data key under the provider's current KEK version; blobs are untouched. Rows
    from before per-owner keys get the owner layer now (the upgrade path for existing data)."""
    current = await provider.current_version()
    stale = or_(DataKey.kek_version != current, DataKey.owner_sealed.is_(False))
    rows = (await session.execute(select(DataKey).where(stale))).scalars()
    count = 0
    for row in rows:
        context = _context(row.owner_id)
        inner = await provider.unwrap(WrappedKey(row.kek_version, row.wrapped), context=context)
        if not row.owner_sealed:
            inner = await provider.owner_seal(row.owner_id, inner)
        wrapped = await provider.wrap(inner, context=context)
        row.kek_version, row.wrapped, row.owner_sealed = wrapped.kek_version, wrapped.ciphertext, True
        count += 1
    return count


def prompt_hmac(data_key: bytes, text: str) -> str:
    """A keyed hash of a prompt under the person's key: no dictionary reverses it, and once the key
    is destroyed nothing links it to any text (audit rows keep it; the chain still verifies)."""
    hash_key = hmac.new(data_key, b"limner:prompt-hmac", hashlib.sha256).digest()
    return hmac.new(hash_key, text.encode(), hashlib.sha256).hexdigest()
