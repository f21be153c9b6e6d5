"""Integration tests: the streaming plumbing below the SSE route: which backends stream partials, what a
stream that ends without a final image does, and how partials and keep-alives are interleaved. Twin:
tests/unit/generation/test_sse.py."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from limner.components import Components, build_components
from limner.errors import UpstreamError
from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.generation.backends.partials import PartialImage, StreamingBackend
from limner.generation.flows import streaming
from limner.generation.flows.streaming import PartialsForwarder
from limner.imaging.requests import ImageRequest
from tests.conftest import make_settings

REQUEST = ImageRequest(operation="generate", model="fake-model", prompt="a kite", n=1, size=None)


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


FINAL = BackendResult(images=[GeneratedImage(png((0, 0, 255)), "png")])


class Streaming:
    """A streaming backend with a script: the partials it yields, and whether a final result follows."""

    def __init__(self, partials: int, *, final: bool = True) -> None:
        self.partials, self.final = partials, final
        self.generated = 0
        self.checked = 0
        self.closed = False

    async def generate(self, request: ImageRequest) -> BackendResult:
        self.generated += 1
        return FINAL

    async def stream(
        self, request: ImageRequest, *, partial_images: int
    ) -> AsyncIterator[PartialImage | BackendResult]:
        for n in range(min(self.partials, partial_images)):
            yield PartialImage(index=0, partial_index=n, data=png((n, n, n)), format="png")
        if self.final:
            yield FINAL

    async def check(self) -> None:
        self.checked += 1

    async def aclose(self) -> None:
        self.closed = True


class Plain:
    def __init__(self) -> None:
        self.generated = 0

    async def generate(self, request: ImageRequest) -> BackendResult:
        self.generated += 1
        return FINAL

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def test_the_scripted_backend_is_a_streaming_backend_and_the_plain_one_is_not() -> None:
    assert isinstance(Streaming(1), StreamingBackend)
    assert not isinstance(Plain(), StreamingBackend)


async def test_checked_partials_reach_the_queue_and_the_final_result_is_returned(
    components: Components,
) -> None:
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    backend = Streaming(partials=3)
    result = await PartialsForwarder(components, backend, 2, queue).generate(REQUEST)
    assert result == FINAL
    assert [queue.get_nowait().partial_index for _ in range(queue.qsize())] == [0, 1]
    assert backend.generated == 0


async def test_a_stream_without_a_final_image_is_an_upstream_error(components: Components) -> None:
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    with pytest.raises(UpstreamError, match="without a final image"):
        await PartialsForwarder(components, Streaming(partials=1, final=False), 1, queue).generate(REQUEST)


@pytest.mark.parametrize("backend", [Plain(), Streaming(partials=2)], ids=["plain", "streaming"])
async def test_no_partials_wanted_means_one_ordinary_generate(
    components: Components, backend: Plain | Streaming
) -> None:
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    before = backend.generated
    assert await PartialsForwarder(components, backend, 0, queue).generate(REQUEST) == FINAL
    assert backend.generated == before + 1
    assert queue.empty()


async def test_a_plain_backend_is_called_once_even_when_partials_are_wanted(components: Components) -> None:
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    backend = Plain()
    assert await PartialsForwarder(components, backend, 3, queue).generate(REQUEST) == FINAL
    assert backend.generated == 1
    assert queue.empty()


async def test_withheld_partials_are_never_streamed(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path / "data", generation={"stream_partials": "none"}))
    try:
        queue: asyncio.Queue[PartialImage] = asyncio.Queue()
        backend = Streaming(partials=2)
        assert await PartialsForwarder(c, backend, 2, queue).generate(REQUEST) == FINAL
        assert backend.generated == 1
        assert queue.empty()
    finally:
        await c.aclose()


async def test_the_forwarder_checks_the_real_backend_but_never_closes_it(components: Components) -> None:
    backend = Streaming(partials=0)
    forwarder = PartialsForwarder(components, backend, 1, asyncio.Queue())
    await forwarder.check()
    await forwarder.aclose()
    assert backend.checked == 1
    assert backend.closed is False


def partial(n: int) -> PartialImage:
    return PartialImage(index=0, partial_index=n, data=b"p", format="png")


async def test_a_quiet_flow_gets_keep_alives_then_its_partials_then_the_leftovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    flow: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    monkeypatch.setattr(streaming, "KEEPALIVE_S", 0)
    items = streaming.partials_until(queue, flow)  # type: ignore[arg-type]
    assert await anext(items) is None  # nothing yet: a keep-alive

    monkeypatch.setattr(streaming, "KEEPALIVE_S", 3600)  # from here on something is always ready
    queue.put_nowait(partial(0))
    assert await anext(items) == partial(0)
    flow.set_result(None)
    queue.put_nowait(partial(1))
    rest = [item async for item in items]
    assert rest == [partial(1)]
