"""In-memory blob store for tests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from limner.errors import NotFoundError


class MemoryBlobConfig(BaseModel):
    kind: Literal["memory"] = "memory"


class MemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.blobs[key] = data

    async def get(self, key: str) -> bytes:
        try:
            return self.blobs[key]
        except KeyError as exc:
            raise NotFoundError("blob not found") from exc

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    async def keys(self) -> list[str]:
        return sorted(self.blobs)
