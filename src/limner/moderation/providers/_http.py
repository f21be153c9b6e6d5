"""HTTP options of the hosted moderation providers; the retry loop itself is limner.upstream."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, Field

from limner.upstream import RetryPolicy, decode_json, send_with_retries


class HttpOptions(BaseModel):
    """Transport options for a hosted moderation API."""

    timeout_s: float = Field(default=10.0, gt=0, description="Per-attempt timeout (connect + read)")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries after the first attempt")
    backoff_initial_s: float = Field(default=0.25, ge=0, description="First backoff delay")
    backoff_max_s: float = Field(default=4.0, ge=0, description="Cap of one backoff delay")
    retry_after_cap_s: float = Field(
        default=10.0,
        ge=0,
        description="Longest retry-after honoured; a longer one fails at once (moderation is inline)",
    )

    def retry_policy(self) -> RetryPolicy:
        """Moderation is free and side-effect free, so unlike generation every transport failure
        (a read timeout too) is retried."""
        return RetryPolicy(
            max_retries=self.max_retries,
            initial_delay_s=self.backoff_initial_s,
            max_delay_s=self.backoff_max_s,
            retry_after_cap_s=self.retry_after_cap_s,
        )


def build_client(options: HttpOptions) -> httpx.AsyncClient:
    """One pooled client per provider; credentials go on each request, never as client defaults."""
    return httpx.AsyncClient(timeout=httpx.Timeout(options.timeout_s), follow_redirects=False)


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: dict[str, Any],
    headers: dict[str, str],
    options: HttpOptions,
    provider: str,
) -> Any:
    """POST with retries on 408/429/5xx and transport failures; return the decoded 2xx JSON body."""

    async def make_request() -> httpx.Request:
        return client.build_request("POST", url, json=body, headers=headers)

    label = f"The moderation provider '{provider}'"
    response = await send_with_retries(client, make_request, options.retry_policy(), label=label)
    return decode_json(response, label)
