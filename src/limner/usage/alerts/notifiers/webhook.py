"""Webhook notifier: POSTs each alert as JSON signed per Standard Webhooks (webhook-id,
webhook-timestamp, webhook-signature), so receivers verify it with any standardwebhooks library."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field, SecretStr, field_validator
from standardwebhooks.webhooks import Webhook

from limner.errors import UnavailableError
from limner.webhooks import signed_headers

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class WebhookNotifierConfig(BaseModel):
    kind: Literal["webhook"] = "webhook"
    url: str = Field(description="https:// endpoint (plain http is accepted for loopback only)")
    secret: SecretStr = Field(description="Standard Webhooks secret, 'whsec_' + base64")
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("webhook notifiers must use https://")
        return url

    @field_validator("secret")
    @classmethod
    def _valid_secret(cls, secret: SecretStr) -> SecretStr:
        try:
            Webhook(secret.get_secret_value())
        except Exception as exc:
            raise ValueError("the secret must be 'whsec_' followed by base64") from exc
        return secret


class WebhookNotifier:
    def __init__(self, config: WebhookNotifierConfig) -> None:
        self.config = config
        verify = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        self._client = httpx.AsyncClient(timeout=config.timeout_s, verify=verify, follow_redirects=False)

    async def send(self, alert: dict[str, Any]) -> None:
        body = json.dumps({"type": "alert.raised", "data": alert}, separators=(",", ":")).encode()
        headers = signed_headers(self.config.secret, body, message_id=f"alert_{alert['id']}")
        try:
            response = await self._client.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise UnavailableError("alert webhook unreachable") from exc
        if response.status_code >= 300:
            raise UnavailableError(f"alert webhook answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
