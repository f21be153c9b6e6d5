"""In-memory blob store for tests."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from limner.db import utcnow
from limner.errors import NotFoundError
from limner.vault.blob_stores.base import BlobInfo


class MemoryBlobConfig(BaseModel):
    kind: Literal["memory"] = "memory"


class MemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.written_at: dict[str, datetime] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.blobs[key] = data
        self.written_at[key] = utcnow()

    async def get(self, key: str) -> bytes:
        try:
            return self.blobs[key]
        except KeyError as exc:
            raise NotFoundError("blob not found") from exc

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)
        self.written_at.pop(key, None)

    async def keys(self) -> list[str]:
        return sorted(self.blobs)

    async def entries(self) -> list[BlobInfo]:
        return [BlobInfo(key, self.written_at[key]) for key in sorted(self.blobs)]

    async def check(self) -> None:
        """Always usable."""
