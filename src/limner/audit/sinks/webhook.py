"""HTTPS webhook sink: POSTs a JSON batch signed the Standard Webhooks way (limner/webhooks.py)."""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field, field_validator

from limner.errors import UnavailableError
from limner.webhooks import WebhookSecret, signed_headers

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class WebhookConfig(BaseModel):
    kind: Literal["webhook"] = "webhook"
    url: str = Field(description="https:// endpoint (plain http is accepted for loopback only)")
    secret: WebhookSecret = Field(description="Standard Webhooks signing secret (whsec_...)")
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("webhook sinks must use https://")
        return url


class WebhookSink:
    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        verify = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        self._client = httpx.AsyncClient(timeout=config.timeout_s, verify=verify, follow_redirects=False)

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        body = json.dumps({"events": list(events)}, separators=(",", ":")).encode()
        headers = signed_headers(self.config.secret, body)
        try:
            response = await self._client.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise UnavailableError("audit webhook unreachable") from exc
        if response.status_code >= 300:
            raise UnavailableError(f"audit webhook answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
