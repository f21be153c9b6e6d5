"""The BlobStore contract: opaque, already-encrypted bytes by key."""

from __future__ import annotations

from typing import Protocol


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store `data` (ciphertext) under `key` atomically: readers see all of it or nothing."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the bytes under `key`; raise limner.errors.NotFoundError when absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove `key`; deleting an absent key is not an error."""
        ...

    async def keys(self) -> list[str]:
        """Every key in the store (for the janitor and erasure checks)."""
        ...
