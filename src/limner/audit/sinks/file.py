"""JSON-lines file sink: one event per line, appended and fsynced; the file is private (0600)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from limner.errors import UnavailableError


class FileSinkConfig(BaseModel):
    kind: Literal["file"] = "file"
    path: Path = Field(description="File to append JSON lines to")


class FileSink:
    def __init__(self, config: FileSinkConfig) -> None:
        self.path = config.path

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        payload = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events).encode()
        try:
            await asyncio.to_thread(self._append, payload)
        except OSError as exc:
            raise UnavailableError(f"audit file sink cannot write: {exc.strerror}") from exc

    def _append(self, payload: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)

    async def aclose(self) -> None:
        return None
