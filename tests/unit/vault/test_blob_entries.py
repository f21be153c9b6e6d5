"""Unit tests: blob stores list keys with write times (integration: tests/integration/vault/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from limner.db import utcnow
from limner.vault.blob_stores.base import BlobStore
from limner.vault.blob_stores.filesystem import FilesystemBlobStore
from limner.vault.blob_stores.memory import MemoryBlobStore


async def _check(store: BlobStore) -> None:
    before = utcnow() - timedelta(seconds=5)
    await store.put("blob00000001", b"x")
    await store.put("blob00000002", b"y")
    await store.delete("blob00000001")
    entries = await store.entries()
    assert [e.key for e in entries] == ["blob00000002"]
    assert before < entries[0].modified_at <= utcnow() + timedelta(seconds=1)


async def test_memory_store_entries() -> None:
    await _check(MemoryBlobStore())


async def test_filesystem_store_entries_include_interrupted_writes(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    await _check(store)
    (tmp_path / "bl" / "blob00000003.tmp").write_bytes(b"half")
    assert "blob00000003.tmp" in [e.key for e in await store.entries()]
    await store.delete("blob00000003.tmp")
    assert [e.key for e in await store.entries()] == ["blob00000002"]
