"""HTTP plumbing shared by the remote harm detectors: transport options, retries, error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pydantic import BaseModel, Field

from limner.errors import UpstreamError, UpstreamTimeoutError

RETRY_STATUSES = frozenset({408, 429})
Sleep = Callable[[float], Awaitable[None]]


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
        """POST with retries on 408/429/5xx and transport failures; the decoded 2xx JSON body.

        A check is side-effect free, so unlike generation a read timeout is retried too."""
        for attempt in range(self.options.max_retries + 1):
            try:
                response = await self._current().post(url, json=body, headers=headers)
            except httpx.TransportError as exc:
                if attempt >= self.options.max_retries:
                    raise transport_error(exc, self.provider) from exc
                await self._sleep(backoff_delay(self.options, attempt))
                continue
            delay = retry_delay(self.options, response, attempt)
            if delay is None:
                return decode(response, self.provider)
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt always returns or raises")


def backoff_delay(options: RemoteOptions, attempt: int) -> float:
    """Exponential backoff with full jitter so callers that failed together do not retry together."""
    ceiling = min(options.backoff_initial_s * 2**attempt, options.backoff_max_s)
    return random.uniform(ceiling / 2, ceiling)  # jitter, not a secret


def retry_after_s(headers: httpx.Headers) -> float | None:
    """The delay the server asked for (retry-after-ms, or retry-after in seconds or as a date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            try:
                return email.utils.parsedate_to_datetime(value).timestamp() - time.time()
            except (ValueError, TypeError):
                return None
    return None


def retry_delay(options: RemoteOptions, response: httpx.Response, attempt: int) -> float | None:
    """Seconds before the next attempt, or None when this response is final."""
    retryable = response.status_code in RETRY_STATUSES or response.status_code >= 500
    if attempt >= options.max_retries or not retryable:
        return None
    asked = retry_after_s(response.headers)
    if asked is None or asked <= 0:
        return backoff_delay(options, attempt)
    return asked if asked <= options.retry_after_cap_s else None


def transport_error(exc: httpx.TransportError, provider: str) -> UpstreamError:
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeoutError(
            f"The prompt check '{provider}' did not answer in time ({type(exc).__name__})."
        )
    return UpstreamError(
        f"The prompt check '{provider}' could not be reached ({type(exc).__name__}).",
        code="upstream_unreachable",
    )


def decode(response: httpx.Response, provider: str) -> Any:
    """The JSON body of a 2xx answer; otherwise an UpstreamError keeping the vendor's error code
    (never its message, which may quote the prompt)."""
    if not response.is_success:
        code = vendor_code(response)
        detail = f" ({code})" if code else ""
        raise UpstreamError(
            f"The prompt check '{provider}' answered HTTP {response.status_code}{detail}.", code=code
        )
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_response(provider) from exc


def vendor_code(response: httpx.Response) -> str | None:
    """The error code of an OpenAI- or Azure-shaped error body, if there is one."""
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        error = None
    code = (error.get("code") or error.get("type")) if isinstance(error, dict) else None
    fallback: str | None = response.headers.get("x-ms-error-code")
    return str(code) if code is not None else fallback


def bad_response(provider: str) -> UpstreamError:
    return UpstreamError(
        f"The prompt check '{provider}' sent an answer of an unexpected shape.", code="upstream_bad_response"
    )
