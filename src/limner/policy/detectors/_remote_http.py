"""HTTP options and the per-loop client of the remote harm detectors; the retry loop is limner.upstream."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import BaseModel, Field

from limner.errors import UpstreamError
from limner.upstream import RetryPolicy, Sleep, decode_json, send_with_retries


class RemoteOptions(BaseModel):
    """Timeouts and retries of a remote prompt check. It runs before every generation, so the
    defaults are short: a slow vendor fails the check (closed) rather than stalling the request."""

    timeout_s: float = Field(default=5.0, gt=0, description="Per-attempt timeout (connect + read)")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries after the first attempt")
    backoff_initial_s: float = Field(default=0.2, ge=0, description="First backoff delay")
    backoff_max_s: float = Field(default=2.0, ge=0, description="Cap of one backoff delay")
    retry_after_cap_s: float = Field(
        default=5.0, ge=0, description="Longest retry-after honoured; a longer one fails at once"
    )

    def retry_policy(self) -> RetryPolicy:
        """A check is side-effect free, so unlike generation every transport failure (a read
        timeout too) is retried."""
        return RetryPolicy(
            max_retries=self.max_retries,
            initial_delay_s=self.backoff_initial_s,
            max_delay_s=self.backoff_max_s,
            retry_after_cap_s=self.retry_after_cap_s,
        )


class RemoteClient:
    """One pooled httpx.AsyncClient per event loop: compiled detectors are cached per process and
    may outlive a loop (tests, CLI runs), and a pool must not be reused from another loop."""

    def __init__(self, options: RemoteOptions, *, provider: str, sleep: Sleep | None = None) -> None:
        self.options = options
        self.provider = provider
        self._sleep = sleep or asyncio.sleep  # tests pass a recording sleep
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client.is_closed or self._loop is not loop:
            # Credentials go on each request, never as client defaults.
            timeout = httpx.Timeout(self.options.timeout_s)
            self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

    async def post_json(self, url: str, *, body: dict[str, Any], headers: dict[str, str]) -> Any:
        """POST with retries on 408/429/5xx and transport failures; the decoded 2xx JSON body."""
        client = self._current()

        async def make_request() -> httpx.Request:
            return client.build_request("POST", url, json=body, headers=headers)

        label = _label(self.provider)
        policy = self.options.retry_policy()
        response = await send_with_retries(client, make_request, policy, label=label, sleep=self._sleep)
        return decode_json(response, label, bad_body=_BAD_BODY)


_BAD_BODY = "sent an answer of an unexpected shape"


def _label(provider: str) -> str:
    return f"The prompt check '{provider}'"


def bad_response(provider: str) -> UpstreamError:
    return UpstreamError(f"{_label(provider)} {_BAD_BODY}.", code="upstream_bad_response")
