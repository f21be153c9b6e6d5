"""The Images API client shared by the OpenAI and Azure backends (they differ in URLs and auth)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx

from limner.breaker import CircuitBreaker
from limner.errors import LimnerError, UnavailableError
from limner.generation.backends._http import LABEL, UpstreamOptions, build_client
from limner.generation.backends._sse import stream_images
from limner.generation.backends._upstream_errors import (
    bad_response,
    error_from_response,
    error_object,
)
from limner.generation.backends._wire import form_body, is_legacy, json_body, parse_images
from limner.generation.backends.base import BackendResult
from limner.generation.backends.partials import PartialImage
from limner.imaging.requests import ImageRequest, Operation
from limner.upstream import Sleep, send_once, send_with_retries


class Route(Protocol):
    """Where one vendor's endpoints live and how to sign in to them."""

    def url(self, operation: Operation, model: str) -> str:
        """The absolute URL (with any query) of `operation` for upstream `model`."""
        ...

    def check_url(self) -> str:
        """A cheap authenticated GET that proves the credentials work."""
        ...

    async def auth_headers(self) -> dict[str, str]:
        """Credential headers, computed per request so rotated tokens are picked up."""
        ...


class ImagesApi:
    """Send ImageRequests to an OpenAI-shaped Images API and read the answers."""

    def __init__(
        self,
        options: UpstreamOptions,
        route: Route,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._options = options
        self._policy = options.retry_policy()
        self._route = route
        self._sleep = sleep
        self._client = build_client(options, transport)
        self._breaker = CircuitBreaker(
            LABEL, failures=options.breaker_failures, open_s=options.breaker_open_s
        )

    async def run(self, request: ImageRequest) -> BackendResult:
        self._breaker.before_call()
        try:
            result = await self._run(request)
        except LimnerError as exc:
            self._breaker.record(exc)
            raise
        except BaseException:
            self._breaker.abandon()  # cancelled: says nothing about the vendor
            raise
        self._breaker.record(None)
        return result

    async def _run(self, request: ImageRequest) -> BackendResult:
        async def make_request() -> httpx.Request:
            return await self._build(request)

        response = await send_with_retries(
            self._client, make_request, self._policy, label=LABEL, sleep=self._sleep
        )
        body = _checked_body(response, request)
        return await parse_images(body, self._download)

    async def stream(
        self, request: ImageRequest, *, partial_images: int
    ) -> AsyncIterator[PartialImage | BackendResult]:
        """`stream: true` upstream: one attempt (a stream cannot be replayed), errors as for run."""
        built = await self._build(request, stream={"stream": True, "partial_images": partial_images})
        response = await send_once(self._client, built, label=LABEL, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise error_from_response(response, redact=request.prompt)
            limit = self._options.max_download_bytes * 4 // 3 + 4096
            async for item in stream_images(response, request, max_event_bytes=limit):
                yield item
        finally:
            await response.aclose()

    async def _build(self, request: ImageRequest, stream: dict[str, Any] | None = None) -> httpx.Request:
        url = self._route.url(request.operation, request.model)
        headers = await self._route.auth_headers()
        legacy = is_legacy(request.model, self._options.legacy_model_prefixes)
        if request.operation == "generate":
            payload = json_body(request, legacy=legacy) | (stream or {})
            return self._client.build_request("POST", url, json=payload, headers=headers)
        data, files = form_body(request, legacy=legacy)
        data |= {key: str(value).lower() for key, value in (stream or {}).items()}
        return self._client.build_request("POST", url, data=data, files=files, headers=headers)

    async def _download(self, url: str) -> bytes:
        """Fetch a vendor image URL without credentials, reading at most max_download_bytes."""
        if not url.startswith(("https://", "http://")):
            raise bad_response("The image provider returned an image URL Limner will not fetch.")
        request = self._client.build_request("GET", url, headers={"accept": "image/*"})
        response = await send_once(self._client, request, label=LABEL, stream=True)
        try:
            return await _read_limited(response, self._options.max_download_bytes)
        finally:
            await response.aclose()

    async def check(self) -> None:
        headers = await self._route.auth_headers()
        request = self._client.build_request(
            "GET", self._route.check_url(), headers=headers, timeout=self._options.check_timeout_s
        )
        try:
            response = await send_once(self._client, request, label=LABEL)
        except LimnerError as exc:
            raise UnavailableError(f"The image provider is unreachable: {exc.message}") from exc
        if response.status_code in (401, 403):
            raise UnavailableError("The image provider refused the gateway's credentials.")
        if not response.is_success:
            raise UnavailableError(f"The image provider answered HTTP {response.status_code}.")

    async def aclose(self) -> None:
        await self._client.aclose()


def _checked_body(response: httpx.Response, request: ImageRequest) -> Any:
    if not response.is_success:
        raise error_from_response(response, redact=request.prompt)
    try:
        body = response.json()
    except ValueError as exc:
        raise bad_response("The image provider's response was not valid JSON.") from exc
    if error_object(body) is not None and not (isinstance(body, dict) and body.get("data")):
        raise error_from_response(response, redact=request.prompt)
    return body


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    if response.status_code != 200:
        raise bad_response(f"Fetching the provider's image URL failed with HTTP {response.status_code}.")
    if int(response.headers.get("content-length") or 0) > limit:
        raise bad_response("The provider's image is larger than the configured download limit.")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise bad_response("The provider's image is larger than the configured download limit.")
        chunks.append(chunk)
    return b"".join(chunks)


class ImagesApiBackend:
    """An ImageBackend (and StreamingBackend) over one vendor's Images API; `refuse` turns away what
    the vendor is known not to support, before paying for a round trip."""

    def __init__(
        self,
        options: UpstreamOptions,
        route: Route,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._api = ImagesApi(options, route, transport=transport, sleep=sleep)

    def refuse(self, request: ImageRequest) -> None:
        return None

    async def generate(self, request: ImageRequest) -> BackendResult:
        self.refuse(request)
        return await self._api.run(request)

    async def stream(
        self, request: ImageRequest, *, partial_images: int
    ) -> AsyncIterator[PartialImage | BackendResult]:
        self.refuse(request)
        async for item in self._api.stream(request, partial_images=partial_images):
            yield item

    async def check(self) -> None:
        await self._api.check()

    async def aclose(self) -> None:
        await self._api.aclose()
