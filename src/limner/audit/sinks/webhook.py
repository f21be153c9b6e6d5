"""HTTPS webhook sink: POSTs a JSON batch signed with HMAC-SHA256 over the timestamp and body."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field, SecretStr, field_validator

from limner.errors import UnavailableError

SIGNATURE_HEADER = "x-limner-signature"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class WebhookConfig(BaseModel):
    kind: Literal["webhook"] = "webhook"
    url: str = Field(description="https:// endpoint (plain http is accepted for loopback only)")
    secret: SecretStr = Field(description="HMAC key the receiver uses to check x-limner-signature")
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("webhook sinks must use https://")
        return url


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """`t=<unix>,v1=<hex>`: the timestamp is signed too, so a captured batch cannot be replayed later."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookSink:
    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        verify = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        self._client = httpx.AsyncClient(timeout=config.timeout_s, verify=verify, follow_redirects=False)

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        body = json.dumps({"events": list(events)}, separators=(",", ":")).encode()
        secret = self.config.secret.get_secret_value().encode()
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: signature(secret, str(int(time.time())), body),
        }
        try:
            response = await self._client.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise UnavailableError("audit webhook unreachable") from exc
        if response.status_code >= 300:
            raise UnavailableError(f"audit webhook answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
