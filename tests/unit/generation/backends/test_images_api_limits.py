"""Unit tests for the shared Images API client over httpx.MockTransport: a chunked image download that
passes the size limit mid-stream, and a cancelled call that neither counts as a vendor failure nor
blocks the next call. Against the loopback fake: tests/integration/generation/test_circuit_breaker.py."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from limner.errors import UpstreamError
from limner.generation.backends.openai import OpenAIBackend, OpenAIConfig
from limner.imaging.requests import ImageRequest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
REQUEST = ImageRequest(operation="generate", model="dall-e-2", prompt="p", n=1, size="256x256")


def backend(handler: object, **overrides: object) -> OpenAIBackend:
    config = OpenAIConfig.model_validate(
        {"api_key": "sk-test", "base_url": "https://vendor.test/v1/", "max_retries": 0} | overrides
    )
    return OpenAIBackend(config, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    """An image of `count` chunks of `size` bytes (the first one starts with the PNG signature)."""
    yield PNG + b"\x00" * (size - len(PNG))
    for _ in range(count - 1):
        yield b"\x00" * size


@pytest.mark.parametrize(("count", "refused"), [(3, False), (5, True)])
async def test_a_chunked_download_is_cut_off_once_it_passes_the_limit(count: int, refused: bool) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.vendor.test":
            return httpx.Response(200, content=chunks(count, 256))  # no content-length: chunked
        return httpx.Response(200, json={"created": 1, "data": [{"url": "https://cdn.vendor.test/i.png"}]})

    api = backend(handle, max_download_bytes=1024)
    try:
        if refused:
            with pytest.raises(UpstreamError, match="download limit") as caught:
                await api.generate(REQUEST)
            assert caught.value.code == "upstream_bad_response"
        else:
            result = await api.generate(REQUEST)
            assert len(result.images[0].data) == count * 256
    finally:
        await api.aclose()


async def test_a_cancelled_call_is_not_a_vendor_failure_and_the_next_call_goes_through() -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    calls: list[int] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        calls.append(len(calls))
        if len(calls) == 1:
            entered.set()
            await release.wait()  # never set: the caller gives up first
        return httpx.Response(
            200, json={"created": 1, "data": [{"b64_json": base64.b64encode(PNG).decode()}]}
        )

    api = backend(handle, breaker_failures=1)
    try:
        first = asyncio.create_task(api.generate(REQUEST))
        await entered.wait()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        result = await api.generate(REQUEST)
    finally:
        await api.aclose()
    assert result.images[0].data == PNG
    assert calls == [0, 1]
