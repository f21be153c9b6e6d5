"""HTTP plumbing shared by the hosted moderation providers: timeouts, retries, error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from typing import Any

import httpx
from pydantic import BaseModel, Field

from limner.errors import UpstreamError, UpstreamTimeoutError

RETRY_STATUSES = frozenset({408, 429})


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


def build_client(options: HttpOptions) -> httpx.AsyncClient:
    """One pooled client per provider; credentials go on each request, never as client defaults."""
    return httpx.AsyncClient(timeout=httpx.Timeout(options.timeout_s), follow_redirects=False)


def backoff_delay(options: HttpOptions, attempt: int) -> float:
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
            return _seconds_until(value)
    return None


def _seconds_until(http_date: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(http_date).timestamp() - time.time()
    except (ValueError, TypeError):
        return None


def _delay(options: HttpOptions, response: httpx.Response, attempt: int) -> float | None:
    """Seconds before the next attempt, or None when this response is final."""
    retryable = response.status_code in RETRY_STATUSES or response.status_code >= 500
    if attempt >= options.max_retries or not retryable:
        return None
    asked = retry_after_s(response.headers)
    if asked is None or asked <= 0:
        return backoff_delay(options, attempt)
    return asked if asked <= options.retry_after_cap_s else None


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: dict[str, Any],
    headers: dict[str, str],
    options: HttpOptions,
    provider: str,
) -> Any:
    """POST with retries on 408/429/5xx and transport failures; return the decoded 2xx JSON body.

    Moderation is free and side-effect free, so unlike generation a read timeout is retried too."""
    for attempt in range(options.max_retries + 1):
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.TransportError as exc:
            if attempt >= options.max_retries:
                raise _transport_error(exc, provider) from exc
            await asyncio.sleep(backoff_delay(options, attempt))
            continue
        delay = _delay(options, response, attempt)
        if delay is None:
            return _decode(response, provider)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the last attempt always returns or raises")


def _transport_error(exc: httpx.TransportError, provider: str) -> UpstreamError:
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeoutError(
            f"The moderation provider '{provider}' did not answer in time ({type(exc).__name__})."
        )
    return UpstreamError(
        f"The moderation provider '{provider}' could not be reached ({type(exc).__name__}).",
        code="upstream_unreachable",
    )


def _decode(response: httpx.Response, provider: str) -> Any:
    """The JSON body of a 2xx answer; anything else is an UpstreamError keeping the vendor's code."""
    if not response.is_success:
        code = vendor_code(response)
        raise UpstreamError(
            f"The moderation provider '{provider}' answered HTTP {response.status_code}"
            + (f" ({code})." if code else "."),
            code=code,
        )
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UpstreamError(
            f"The moderation provider '{provider}' sent a body that is not JSON.",
            code="upstream_bad_response",
        ) from exc


def vendor_code(response: httpx.Response) -> str | None:
    """The vendor's error code from an OpenAI- or Azure-shaped error body, if there is one.

    The vendor's message is left out on purpose: it may quote the input."""
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        error = None
    code = error.get("code") if isinstance(error, dict) else None
    if code is None and isinstance(error, dict):
        code = error.get("type")
    fallback: str | None = response.headers.get("x-ms-error-code")
    return str(code) if code is not None else fallback
