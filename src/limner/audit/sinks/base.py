"""The AuditSink contract: deliver a batch of events (already JSON-ready) to something outside Limner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class AuditSink(Protocol):
    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        """Deliver `events` in seq order. Raise limner.errors.UnavailableError when the destination
        is down or refuses: the whole batch is retried later, so delivery is at least once and
        receivers de-duplicate on `seq`. Never log event content."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
