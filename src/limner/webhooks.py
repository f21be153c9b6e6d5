"""One signing scheme for every outgoing webhook (review decisions, audit batches): Standard Webhooks.

Each POST carries `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`, so receivers verify with any Standard Webhooks library and refuse replays
(a stale timestamp or a seen id). The secret is `whsec_<base64>` (the spec's form) or any other
non-empty string, used as its UTF-8 bytes. An empty secret is refused when the settings load.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import httpx
from pydantic import AfterValidator, BaseModel, Field, SecretStr, field_validator
from standardwebhooks.webhooks import Webhook

from limner.errors import UnavailableError

PREFIX = "whsec_"
MIN_SECRET_BYTES = 16
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def secret_bytes(secret: str) -> bytes:
    if secret.startswith(PREFIX):
        return base64.b64decode(secret[len(PREFIX) :] + "==", validate=False)
    return secret.encode()


def _check_secret(secret: SecretStr) -> SecretStr:
    value = secret.get_secret_value().strip()
    if not value:
        raise ValueError("a webhook secret is required (webhooks are never sent unsigned)")
    try:
        raw = secret_bytes(value)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a whsec_ webhook secret must be base64 after the prefix") from exc
    if len(raw) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret needs at least {MIN_SECRET_BYTES} bytes")
    return secret


WebhookSecret = Annotated[SecretStr, AfterValidator(_check_secret)]


def signed_headers(
    secret: SecretStr, body: bytes, *, message_id: str | None = None, now: datetime | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers for one message: a fresh id per delivery attempt unless the caller
    gives a stable one (receivers then drop redeliveries of the same message)."""
    msg_id = message_id or "msg_" + uuid.uuid4().hex
    at = now or datetime.now(UTC)
    signature = Webhook(secret_bytes(secret.get_secret_value().strip())).sign(msg_id, at, body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


class WebhookTarget(BaseModel):
    """Where a signed webhook goes: the fields every webhook config shares (audit sink, alert notifier)."""

    url: str = Field(description="https:// endpoint (plain http is accepted for loopback only)")
    secret: WebhookSecret = Field(description="Standard Webhooks signing secret (whsec_...)")
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("webhooks must use https://")
        return url

    def client(self) -> httpx.AsyncClient:
        """A client that trusts `ca_file` (or the system store) and never follows a redirect."""
        verify = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        return httpx.AsyncClient(timeout=self.timeout_s, verify=verify, follow_redirects=False)


async def post_signed(
    client: httpx.AsyncClient, target: WebhookTarget, body: bytes, *, name: str, message_id: str | None = None
) -> None:
    """POST `body` signed for `target`; UnavailableError (naming `name`) when it is not accepted."""
    headers = signed_headers(target.secret, body, message_id=message_id)
    try:
        response = await client.post(target.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise UnavailableError(f"{name} unreachable") from exc
    if response.status_code >= 300:
        raise UnavailableError(f"{name} answered {response.status_code}")
