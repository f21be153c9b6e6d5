"""Upstream HTTP plumbing every vendor client shares: the retry loop, backoff, retry-after, error mapping.

Three families use it: image backends (generation/backends/_http.py), image moderation
(moderation/providers/_http.py) and remote prompt checks (policy/detectors/_remote_http.py). Each keeps
its own public option model (users set those fields in YAML/TOML) and turns it into a RetryPolicy here;
what differs between families is a RetryPolicy field, not a copy of this code."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from limner import observe
from limner.errors import UpstreamError, UpstreamTimeoutError

RequestFactory = Callable[[], Awaitable[httpx.Request]]
Sleep = Callable[[float], Awaitable[None]]

TRANSIENT_STATUSES = frozenset({408, 429})  # every 5xx is retried as well


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before sending a request again."""

    max_retries: int
    initial_delay_s: float
    max_delay_s: float
    retry_after_cap_s: float  # a longer retry-after returns the response at once
    jitter: float = 0.5  # up to this fraction of each backoff delay is taken off at random
    retry_statuses: frozenset[int] = TRANSIENT_STATUSES
    # Transport failures worth another attempt. A family whose requests cost money retries only the
    # ones raised before the request reached the vendor.
    retry_exceptions: tuple[type[httpx.TransportError], ...] = (httpx.TransportError,)
    honour_should_retry: bool = False  # an x-should-retry: true/false header overrides the status rule


def backoff_delay(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter, so callers that failed together do not retry together."""
    ceiling = min(policy.initial_delay_s * 2.0**attempt, policy.max_delay_s)
    return ceiling * (1 - policy.jitter * random.random())  # jitter, not a secret


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


def should_retry(policy: RetryPolicy, response: httpx.Response) -> bool:
    if response.is_success:
        return False
    if policy.honour_should_retry:
        forced = str(response.headers.get("x-should-retry", ""))
        if forced in ("true", "false"):
            return forced == "true"
    return response.status_code in policy.retry_statuses or response.status_code >= 500


def retry_delay(policy: RetryPolicy, response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before the next attempt, or None when the response must be returned as is."""
    if attempt >= policy.max_retries or not should_retry(policy, response):
        return None
    asked = retry_after_s(response.headers)
    if asked is None or asked <= 0:
        return backoff_delay(policy, attempt)
    return asked if asked <= policy.retry_after_cap_s else None


async def send_with_retries(
    client: httpx.AsyncClient,
    make_request: RequestFactory,
    policy: RetryPolicy,
    *,
    label: str,
    sleep: Sleep = asyncio.sleep,
) -> httpx.Response:
    """Send a fresh request per attempt (multipart bodies are rebuilt) and retry transient failures.

    Returns the last response, whatever its status; transport failures become UpstreamError, whose
    message starts with `label` (e.g. "The image provider")."""
    for attempt in range(policy.max_retries + 1):
        request, started = await make_request(), time.perf_counter()
        try:
            response = await client.send(request)
        except httpx.TransportError as exc:
            _observe(request, None, started, attempt)
            if attempt >= policy.max_retries or not isinstance(exc, policy.retry_exceptions):
                raise transport_error(exc, label) from exc
            await sleep(backoff_delay(policy, attempt))
            continue
        _observe(request, response, started, attempt)
        delay = retry_delay(policy, response, attempt)
        if delay is None:
            return response
        await sleep(delay)
    raise AssertionError("unreachable: the last attempt always returns or raises")


async def send_once(
    client: httpx.AsyncClient, request: httpx.Request, *, label: str, stream: bool = False
) -> httpx.Response:
    """Send one request; map httpx's transport errors onto the Limner error tree."""
    started = time.perf_counter()
    try:
        response = await client.send(request, stream=stream)
    except httpx.TransportError as exc:
        _observe(request, None, started, 0)
        raise transport_error(exc, label) from exc
    _observe(request, response, started, 0)
    return response


def _observe(request: httpx.Request, response: httpx.Response | None, started: float, attempt: int) -> None:
    """Count one attempt per vendor host (a bounded set: the configured backends)."""
    if response is None:
        outcome = "transport_error"
    else:
        outcome = "ok" if response.is_success else f"http_{response.status_code // 100}xx"
    seconds = time.perf_counter() - started
    observe.upstream_attempt(request.url.host, outcome, seconds, retried=attempt > 0)


def transport_error(exc: httpx.TransportError, label: str) -> UpstreamError:
    """A timeout becomes UpstreamTimeoutError (504); any other transport failure upstream_unreachable."""
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeoutError(f"{label} did not answer in time ({type(exc).__name__}).")
    return UpstreamError(f"{label} could not be reached ({type(exc).__name__}).", code="upstream_unreachable")


def decode_json(
    response: httpx.Response, label: str, *, bad_body: str = "sent a body that is not JSON"
) -> Any:
    """The JSON body of a 2xx answer; otherwise an UpstreamError keeping the vendor's error code
    (never its message, which may quote the input)."""
    if not response.is_success:
        code = vendor_code(response)
        detail = f" ({code})" if code else ""
        raise UpstreamError(f"{label} answered HTTP {response.status_code}{detail}.", code=code)
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UpstreamError(f"{label} {bad_body}.", code="upstream_bad_response") from exc


def vendor_code(response: httpx.Response) -> str | None:
    """The vendor's error code from an OpenAI- or Azure-shaped error body, if there is one."""
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        error = None
    code = (error.get("code") or error.get("type")) if isinstance(error, dict) else None
    fallback: str | None = response.headers.get("x-ms-error-code")
    return str(code) if code is not None else fallback


# Azure AI Content Safety answers text (policy/detectors/remote_azure.py) and image
# (moderation/providers/azure_content_safety.py) analyses in one shape: severities per category.
AZURE_CONTENT_SAFETY_API_VERSION = "2024-09-01"
AzureCategory = Literal["Hate", "SelfHarm", "Sexual", "Violence"]
AZURE_CATEGORIES: tuple[AzureCategory, ...] = ("Hate", "SelfHarm", "Sexual", "Violence")
AZURE_MAX_SEVERITY = 6  # FourSeverityLevels answers 0, 2, 4 or 6


def azure_severity_scores(answer: Any, labels: Mapping[str, str]) -> dict[str, float]:
    """Map categoriesAnalysis severities (0/2/4/6) onto scores 0, 0.33, 0.67, 1.0 under `labels`' names.
    ValueError when the answer has another shape or names none of `labels` (a renamed label set must
    not read as "nothing found")."""
    try:
        rows = answer["categoriesAnalysis"]
        pairs = [(labels[row["category"]], int(row["severity"])) for row in rows if row["category"] in labels]
    except (KeyError, TypeError) as exc:
        raise ValueError("unexpected answer shape") from exc
    if not pairs:
        raise ValueError("no known category analysed")
    return {
        category: min(max(severity, 0), AZURE_MAX_SEVERITY) / AZURE_MAX_SEVERITY
        for category, severity in pairs
    }
