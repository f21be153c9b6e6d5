"""Webhook notifier: POSTs each alert as JSON signed per Standard Webhooks (limner/webhooks.py), with a
stable message id per alert, so receivers verify it with any standardwebhooks library and drop repeats."""

from __future__ import annotations

import json
from typing import Any, Literal

from limner.webhooks import WebhookTarget, post_signed


class WebhookNotifierConfig(WebhookTarget):
    kind: Literal["webhook"] = "webhook"


class WebhookNotifier:
    def __init__(self, config: WebhookNotifierConfig) -> None:
        self.config = config
        self._client = config.client()

    async def send(self, alert: dict[str, Any]) -> None:
        body = json.dumps({"type": "alert.raised", "data": alert}, separators=(",", ":")).encode()
        await post_signed(
            self._client, self.config, body, name="alert webhook", message_id=f"alert_{alert['id']}"
        )

    async def aclose(self) -> None:
        await self._client.aclose()
