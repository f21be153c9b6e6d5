"""The AlertNotifier contract: tell people outside Limner that an alert was raised."""

from __future__ import annotations

from typing import Any, Protocol


class AlertNotifier(Protocol):
    async def send(self, alert: dict[str, Any]) -> None:
        """Deliver one alert (AlertRead as JSON: ids, rule, counts; never prompt text). Raise
        limner.errors.UnavailableError when the destination is down or refuses: the alert is
        retried later, so delivery is at least once and receivers de-duplicate on the alert id."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
