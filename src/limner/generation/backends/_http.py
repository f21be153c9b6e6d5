"""Upstream HTTP plumbing for the OpenAI-style backends: timeouts, retries, transport errors."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable

import httpx
from pydantic import BaseModel, Field

from limner import __version__
from limner.errors import UpstreamError, UpstreamTimeoutError

RETRY_STATUSES = frozenset({408, 409, 429})
# Raised before the request reached the vendor, so a retry cannot bill twice. A read timeout is
# not retried: the vendor may still be generating (and charging for) the first attempt.
RETRY_EXCEPTIONS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
USER_AGENT = f"limner/{__version__}"

RequestFactory = Callable[[], Awaitable[httpx.Request]]
Sleep = Callable[[float], Awaitable[None]]


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
    legacy_model_prefixes: list[str] = Field(
        default_factory=lambda: ["dall-e"],
        description="Upstream model ids that take response_format (Limner asks them for b64_json)",
    )
    max_download_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest image fetched from a vendor URL"
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


def backoff_delay(options: UpstreamOptions, attempt: int) -> float:
    """Exponential backoff with 0-25 % jitter, so callers that failed together spread out."""
    base = min(options.retry_initial_delay_s * 2.0**attempt, options.retry_max_delay_s)
    return base * (1 - 0.25 * random.random())  # jitter, not a secret


def retry_after_s(headers: httpx.Headers) -> float | None:
    """The server's requested delay from retry-after-ms or retry-after (seconds or HTTP date)."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value) if value.strip() else None
    except (TypeError, ValueError):  # neither seconds nor an HTTP date: ignore it, use our backoff
        return None
    return None if parsed is None else parsed.timestamp() - time.time()


def _should_retry(response: httpx.Response) -> bool:
    if response.is_success:
        return False
    forced = str(response.headers.get("x-should-retry", ""))
    if forced in ("true", "false"):
        return forced == "true"
    return response.status_code in RETRY_STATUSES or response.status_code >= 500


def _retry_delay(options: UpstreamOptions, response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before the next attempt, or None when the response must be returned as is."""
    if attempt >= options.max_retries or not _should_retry(response):
        return None
    asked = retry_after_s(response.headers)
    if asked is None or asked <= 0:
        return backoff_delay(options, attempt)
    return asked if asked <= options.retry_after_cap_s else None


async def send_with_retries(
    client: httpx.AsyncClient,
    make_request: RequestFactory,
    options: UpstreamOptions,
    sleep: Sleep = asyncio.sleep,
) -> httpx.Response:
    """Send a fresh request per attempt (multipart bodies are rebuilt) and retry transient failures.

    Returns the last response, whatever its status; transport failures become UpstreamError."""
    for attempt in range(options.max_retries + 1):
        try:
            response = await send_once(client, await make_request())
        except UpstreamError as exc:
            if attempt >= options.max_retries or not isinstance(exc.__cause__, RETRY_EXCEPTIONS):
                raise
            await sleep(backoff_delay(options, attempt))
            continue
        delay = _retry_delay(options, response, attempt)
        if delay is None:
            return response
        await sleep(delay)
    raise AssertionError("unreachable: the last attempt always returns or raises")


async def send_once(
    client: httpx.AsyncClient, request: httpx.Request, *, stream: bool = False
) -> httpx.Response:
    """Send one request; map httpx's transport errors onto the Limner error tree."""
    try:
        return await client.send(request, stream=stream)
    except httpx.TimeoutException as exc:
        raise UpstreamTimeoutError(
            f"The image provider did not answer in time ({type(exc).__name__})."
        ) from exc
    except httpx.TransportError as exc:
        raise UpstreamError(
            f"The image provider could not be reached ({type(exc).__name__}).",
            code="upstream_unreachable",
        ) from exc
