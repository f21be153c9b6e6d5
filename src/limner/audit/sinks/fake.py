"""A recording sink for tests: keeps every batch, can be told to fail or stall."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from limner.errors import UnavailableError


class FakeSinkConfig(BaseModel):
    kind: Literal["fake"] = "fake"


class FakeSink:
    def __init__(self, config: FakeSinkConfig | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_next = 0
        self.delay_s = 0.0

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_next:
            self.fail_next -= 1
            raise UnavailableError("fake sink is down")
        self.events.extend(events)

    async def aclose(self) -> None:
        return None
