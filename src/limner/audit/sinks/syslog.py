"""Syslog sink: RFC 5424 messages over TCP (RFC 6587 octet counting) or TLS (RFC 5425)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from limner.errors import UnavailableError

_ENTERPRISE_ID = 32473  # the IANA example enterprise number RFC 5424 reserves for documentation


class SyslogConfig(BaseModel):
    kind: Literal["syslog"] = "syslog"
    host: str
    port: int = Field(default=6514, ge=1, le=65535)
    tls: bool = Field(default=True, description="RFC 5425 TLS; false sends plain TCP")
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the collector's cert")
    facility: int = Field(default=13, ge=0, le=23, description="13 = log audit")
    app_name: str = Field(default="limner", max_length=48)
    hostname: str | None = Field(default=None, description="HOSTNAME field; default this machine's name")
    timeout_s: float = Field(default=10.0, gt=0)


def format_message(event: dict[str, Any], *, facility: int, hostname: str, app_name: str) -> bytes:
    """One RFC 5424 message: the action is the MSGID, seq and id structured data, the event JSON the MSG."""
    pri = facility * 8 + 6  # severity informational
    sd = f'[limner@{_ENTERPRISE_ID} seq="{event["seq"]}" id="{event["id"]}"]'
    msgid = _printable(str(event["action"]))[:32] or "-"
    header = f"<{pri}>1 {event['at']} {_printable(hostname)[:255]} {app_name} - {msgid} {sd} "
    return header.encode() + b"\xef\xbb\xbf" + json.dumps(event, separators=(",", ":")).encode()


def frame(message: bytes) -> bytes:
    return str(len(message)).encode() + b" " + message


def _printable(value: str) -> str:
    # Header fields are PRINTUSASCII without spaces; anything else would let a value forge fields.
    return "".join(ch for ch in value if 33 <= ord(ch) <= 126)


class SyslogSink:
    def __init__(self, config: SyslogConfig) -> None:
        self.config = config
        self.hostname = config.hostname or socket.gethostname()
        self._ssl = _context(config) if config.tls else None

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        data = b"".join(frame(self._format(e)) for e in events)
        try:
            await asyncio.wait_for(self._deliver(data), timeout=self.config.timeout_s)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise UnavailableError(
                f"syslog collector {self.config.host}:{self.config.port} unreachable"
            ) from exc

    def _format(self, event: dict[str, Any]) -> bytes:
        c = self.config
        return format_message(event, facility=c.facility, hostname=self.hostname, app_name=c.app_name)

    async def _deliver(self, data: bytes) -> None:
        _, writer = await asyncio.open_connection(self.config.host, self.config.port, ssl=self._ssl)
        try:
            writer.write(data)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    async def aclose(self) -> None:
        return None


def _context(config: SyslogConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
