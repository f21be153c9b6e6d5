"""Upstream HTTP options of the OpenAI-style backends; the retry loop itself is limner.upstream."""

from __future__ import annotations

import httpx
from pydantic import BaseModel, Field

from limner import __version__
from limner.upstream import TRANSIENT_STATUSES, RetryPolicy

LABEL = "The image provider"  # how transport errors name the vendor
USER_AGENT = f"limner/{__version__}"


class UpstreamOptions(BaseModel):
    """Transport options every HTTP image backend shares."""

    connect_timeout_s: float = Field(default=5.0, gt=0, description="TCP/TLS connect timeout")
    read_timeout_s: float = Field(
        default=600.0, gt=0, description="Wait for the vendor's answer; generation can take minutes"
    )
    check_timeout_s: float = Field(default=5.0, gt=0, description="Timeout of the readiness probe")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries after the first attempt")
    retry_initial_delay_s: float = Field(default=0.5, ge=0, description="First backoff delay")
    retry_max_delay_s: float = Field(default=8.0, ge=0, description="Cap of one backoff delay")
    retry_after_cap_s: float = Field(
        default=60.0,
        ge=0,
        description="Longest retry-after Limner waits; a longer one fails the request at once",
    )
    breaker_failures: int = Field(
        default=5,
        ge=0,
        le=1000,
        description="Failed requests in a row (after retries) that open the circuit breaker; 0: never",
    )
    breaker_open_s: float = Field(
        default=30.0, gt=0, le=3600, description="How long an open breaker answers 503 before a trial request"
    )
    legacy_model_prefixes: list[str] = Field(
        default_factory=lambda: ["dall-e"],
        description="Upstream model ids that take response_format (Limner asks them for b64_json)",
    )
    max_download_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest image fetched from a vendor URL"
    )

    def retry_policy(self) -> RetryPolicy:
        """Generation is billed: only failures raised before the request reached the vendor are
        retried. A read timeout is not, the vendor may still be generating (and charging for) the
        first attempt. 409 is retried and the vendor's x-should-retry header is obeyed."""
        return RetryPolicy(
            max_retries=self.max_retries,
            initial_delay_s=self.retry_initial_delay_s,
            max_delay_s=self.retry_max_delay_s,
            retry_after_cap_s=self.retry_after_cap_s,
            jitter=0.25,
            retry_statuses=TRANSIENT_STATUSES | {409},
            retry_exceptions=(httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout),
            honour_should_retry=True,
        )


def build_client(options: UpstreamOptions, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """One pooled client per backend; credentials are added per request, never as defaults."""
    timeout = httpx.Timeout(options.read_timeout_s, connect=options.connect_timeout_s)
    return httpx.AsyncClient(
        timeout=timeout,
        transport=transport,
        follow_redirects=False,
        headers={"user-agent": USER_AGENT, "accept": "application/json"},
    )
