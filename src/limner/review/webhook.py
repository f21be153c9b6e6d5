"""The review webhook: a signed courtesy call to the configured URL once an item is decided."""

from __future__ import annotations

import json
import logging

import httpx

from limner.review.config import ReviewSettings
from limner.review.models import ReviewItem
from limner.webhooks import signed_headers

log = logging.getLogger("limner.review")


async def send_decision_webhook(settings: ReviewSettings, item: ReviewItem) -> None:
    """Best effort, after commit: the workspace notification is the record; the webhook is a courtesy."""
    if not settings.webhook_url:
        return
    body = json.dumps(
        {"type": f"review.{item.status}", "review_id": item.id, "generation_id": item.generation_id}
    ).encode()
    if settings.webhook_secret is None:  # the settings refuse a URL without a secret
        return
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            await http.post(
                settings.webhook_url, content=body, headers=signed_headers(settings.webhook_secret, body)
            )
    except httpx.HTTPError as exc:
        log.warning("review webhook failed: %s", type(exc).__name__)
