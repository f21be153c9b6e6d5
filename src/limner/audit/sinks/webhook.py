"""HTTPS webhook sink: POSTs a JSON batch signed the Standard Webhooks way (limner/webhooks.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from limner.webhooks import WebhookTarget, post_signed


class WebhookConfig(WebhookTarget):
    kind: Literal["webhook"] = "webhook"


class WebhookSink:
    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._client = config.client()

    async def send(self, events: Sequence[dict[str, Any]]) -> None:
        body = json.dumps({"events": list(events)}, separators=(",", ":")).encode()
        await post_signed(self._client, self.config, body, name="audit webhook")

    async def aclose(self) -> None:
        await self._client.aclose()
