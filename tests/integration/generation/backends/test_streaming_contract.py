"""Integration tests: the StreamingBackend contract, run against every backend kind that streams (local,
and openai and azure_openai against the loopback fake vendor of tests/fakes/openai_upstream.py).

The contract (generation/backends/partials.py): up to `partial_images` partials per image, numbered in
order, then exactly one BackendResult, last; a stream is one attempt, so a vendor failure surfaces as the
documented error without a retry; the prompt is never logged."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image
from pydantic import TypeAdapter

from limner.errors import UpstreamError
from limner.generation.backends import BackendConfig, ImageBackend, build_backend
from limner.generation.backends.azure_openai import AzureOpenAIBackend
from limner.generation.backends.base import BackendResult
from limner.generation.backends.diffusers import DiffusersBackend
from limner.generation.backends.fake import FakeBackend
from limner.generation.backends.local import LocalBackend
from limner.generation.backends.openai import OpenAIBackend
from limner.generation.backends.partials import PartialImage, StreamingBackend
from limner.imaging.requests import ImageRequest
from tests.fakes.openai_upstream import FakeUpstreamState

CONFIGS = TypeAdapter[BackendConfig](BackendConfig)
STREAMING = ["local", "openai", "azure_openai"]
REMOTE = ["openai", "azure_openai"]
CANARY = "CANARY streamed lighthouse 9c1f"
FAST = {"retry_initial_delay_s": 0.01, "max_retries": 2, "read_timeout_s": 5}


def _backend(kind: str, upstream: tuple[str, FakeUpstreamState]) -> ImageBackend:
    base_url, state = upstream
    raw: dict[str, Any] = {"kind": kind}
    if kind == "openai":
        raw |= {"base_url": base_url, "api_key": state.api_key, **FAST}
    elif kind == "azure_openai":
        where = {"endpoint": state.azure_endpoint, "api_key": state.azure_api_key}
        raw |= where | {"deployments": {"gpt-image-1.5": "gptimage"}, **FAST}
    return build_backend(CONFIGS.validate_python(raw))


async def _items(
    backend: ImageBackend, request: ImageRequest, partials: int
) -> list[PartialImage | BackendResult]:
    assert isinstance(backend, StreamingBackend)
    return [item async for item in backend.stream(request, partial_images=partials)]


def _request(kind: str, n: int) -> ImageRequest:
    model, size = ("limner-local", "256x256") if kind == "local" else ("gpt-image-1.5", "1024x1024")
    return ImageRequest(operation="generate", model=model, prompt=CANARY, n=n, size=size)


@pytest.fixture(params=STREAMING)
async def streaming(
    request: pytest.FixtureRequest, upstream: tuple[str, FakeUpstreamState]
) -> AsyncIterator[tuple[str, ImageBackend]]:
    backend = _backend(request.param, upstream)
    try:
        yield request.param, backend
    finally:
        await backend.aclose()


def test_the_table_names_every_backend_that_streams() -> None:
    streams = {
        cls: issubclass(cls, StreamingBackend) for cls in (LocalBackend, OpenAIBackend, AzureOpenAIBackend)
    }
    assert all(streams.values())
    assert not issubclass(FakeBackend, StreamingBackend)
    assert not issubclass(DiffusersBackend, StreamingBackend)


@pytest.mark.parametrize(("n", "partials"), [(1, 0), (1, 2), (2, 1), (1, 3)])
async def test_partials_in_order_then_exactly_one_result_last(
    streaming: tuple[str, ImageBackend], n: int, partials: int
) -> None:
    kind, backend = streaming
    items = await _items(backend, _request(kind, n), partials)
    *parts, last = items
    assert isinstance(last, BackendResult)
    assert all(isinstance(part, PartialImage) for part in parts)
    assert len(last.images) == n
    for image in last.images:
        assert Image.open(io.BytesIO(image.data)).format == image.format.upper()
    per_image: dict[int, list[int]] = {}
    for part in parts:
        assert isinstance(part, PartialImage)
        assert 0 <= part.index < n
        per_image.setdefault(part.index, []).append(part.partial_index)
        assert Image.open(io.BytesIO(part.data)).format == part.format.upper()
    assert all(
        indices == list(range(len(indices))) and len(indices) <= partials for indices in per_image.values()
    )


@pytest.mark.parametrize("kind", REMOTE)
async def test_a_failed_stream_is_one_attempt_with_the_documented_error(
    upstream: tuple[str, FakeUpstreamState], kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="limner")
    upstream[1].add_fault("http_500", times=3)
    backend = _backend(kind, upstream)
    try:
        with pytest.raises(UpstreamError) as caught:
            await _items(backend, _request(kind, 1), 1)
    finally:
        await backend.aclose()
    assert caught.value.status == 502
    assert len(upstream[1].image_requests()) == 1
    assert CANARY not in caught.value.message + caplog.text


async def test_the_prompt_never_reaches_the_logs(
    streaming: tuple[str, ImageBackend], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kind, backend = streaming
    items = await _items(backend, _request(kind, 1), 1)
    assert isinstance(items[-1], BackendResult)
    assert CANARY not in caplog.text
