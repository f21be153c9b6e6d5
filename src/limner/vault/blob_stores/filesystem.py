"""Filesystem blob store: one file per blob under <data_dir>/blobs, written atomically."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from limner.errors import NotFoundError, UnavailableError
from limner.vault.blob_stores.base import BlobInfo

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{7,127}(\.tmp)?$")  # .tmp: a write a crash interrupted


class FilesystemBlobConfig(BaseModel):
    kind: Literal["filesystem"] = "filesystem"
    path: Path | None = Field(default=None, description="Directory; default <data_dir>/blobs")


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ids we mint; anything else is a bug or an attack
            raise ValueError("invalid blob key")
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise NotFoundError("blob not found") from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def keys(self) -> list[str]:
        return sorted(p.name for p in self.root.glob("*/*") if not p.name.endswith(".tmp"))

    async def check(self) -> None:
        """A stat and an access check: the directory exists and this process may write into it."""
        if not await asyncio.to_thread(self._usable):
            raise UnavailableError("The image store's directory is missing or not writable.")

    def _usable(self) -> bool:
        return self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)

    async def entries(self) -> list[BlobInfo]:
        return await asyncio.to_thread(self._entries)

    def _entries(self) -> list[BlobInfo]:
        out = []
        for path in self.root.glob("*/*"):
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # deleted while we listed
                continue
            out.append(BlobInfo(path.name, datetime.fromtimestamp(mtime, UTC)))
        return sorted(out, key=lambda info: info.key)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
