"""Syslog notifier: the audit syslog sink's RFC 5424 messages, one per alert."""

from __future__ import annotations

from typing import Any

from limner.audit.config import SyslogConfig
from limner.audit.service import SyslogSink


class SyslogNotifier:
    def __init__(self, config: SyslogConfig) -> None:
        self._sink = SyslogSink(config)

    async def send(self, alert: dict[str, Any]) -> None:
        event = {"seq": 0, "id": alert["id"], "action": "alert.raised", "at": alert["created_at"], **alert}
        await self._sink.send([event])

    async def aclose(self) -> None:
        await self._sink.aclose()
