"""A recording notifier for tests and local development."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from limner.errors import UnavailableError


class FakeNotifierConfig(BaseModel):
    kind: Literal["fake"] = "fake"


class FakeNotifier:
    def __init__(self, config: FakeNotifierConfig | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_next = 0

    async def send(self, alert: dict[str, Any]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise UnavailableError("fake notifier is down")
        self.sent.append(alert)

    async def aclose(self) -> None:
        return None
