"""The BlobStore contract: opaque, already-encrypted bytes by key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    modified_at: datetime


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

    async def entries(self) -> list[BlobInfo]:
        """Every key with its last write time (the janitor's grace period reads it)."""
        ...

    async def check(self) -> None:
        """Raise limner.errors.UnavailableError when the store cannot be used (for /readyz). Cheap: one
        stat or one small request, never a listing of every key; the message names no secret."""
        ...
