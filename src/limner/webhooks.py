"""One signing scheme for every outgoing webhook (review decisions, audit batches): Standard Webhooks.

Each POST carries `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`, so receivers verify with any Standard Webhooks library and refuse replays
(a stale timestamp or a seen id). The secret is `whsec_<base64>` (the spec's form) or any other
non-empty string, used as its UTF-8 bytes. An empty secret is refused when the settings load.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, SecretStr
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
MIN_SECRET_BYTES = 16


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
