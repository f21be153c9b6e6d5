"""The embedded offline backend: renders a deterministic abstract image from the prompt.

It lets the whole product run with no vendor account. Images are visibly abstract (sinusoidal
colour fields), so nobody mistakes them for a real model's output."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.generation.backends.partials import PartialImage
from limner.imaging.requests import ImageRequest, InputImage


class LocalConfig(BaseModel):
    kind: Literal["local"] = "local"
    revise_prompts: bool = Field(default=False, description="Return a revised prompt, as dall-e-3 does")


class LocalBackend:
    def __init__(self, config: LocalConfig) -> None:
        self.config = config

    async def generate(self, request: ImageRequest) -> BackendResult:
        images = await asyncio.to_thread(self._render_all, request)
        return BackendResult(images=images)

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def stream(
        self, request: ImageRequest, *, partial_images: int
    ) -> AsyncIterator[PartialImage | BackendResult]:
        """Partials are the final rendering at coarser resolutions, coarsest first."""
        images = []
        for index in range(request.n):
            pixels = await asyncio.to_thread(self._pixels, request, index)
            for step in range(partial_images):
                data = await asyncio.to_thread(_coarse, pixels, step, partial_images, request.output_format)
                yield PartialImage(index, step, data, request.output_format)
            images.append(await asyncio.to_thread(self._finish, request, pixels))
        yield BackendResult(images=images)

    def _render_all(self, request: ImageRequest) -> list[GeneratedImage]:
        return [self._finish(request, self._pixels(request, index)) for index in range(request.n)]

    def _pixels(self, request: ImageRequest, index: int) -> np.ndarray:
        width, height = _dimensions(request)
        pixels = render(_seed(request, index), width, height)
        if request.images:
            pixels = _blend(pixels, request.images[0], width, height)
        return pixels

    def _finish(self, request: ImageRequest, pixels: np.ndarray) -> GeneratedImage:
        revised = (
            f"{request.prompt} (abstract rendering)"
            if self.config.revise_prompts and request.prompt
            else None
        )
        return GeneratedImage(
            data=_encode(pixels, request.output_format), format=request.output_format, revised_prompt=revised
        )


def _coarse(pixels: np.ndarray, step: int, steps: int, fmt: str) -> bytes:
    """The image at 1/2^(steps-step+2) of its resolution, scaled back up: blocky, then finer."""
    height, width = pixels.shape[:2]
    factor = 2 ** (steps - step + 2)
    small = Image.fromarray(pixels, "RGB").resize((max(1, width // factor), max(1, height // factor)))
    return _encode(np.asarray(small.resize((width, height), Image.Resampling.NEAREST)), fmt)


def _dimensions(request: ImageRequest) -> tuple[int, int]:
    if request.size and "x" in request.size:
        width, height = request.size.split("x")
        return int(width), int(height)
    if request.images:
        return request.images[0].width, request.images[0].height
    return 1024, 1024


def _seed(request: ImageRequest, index: int) -> int:
    material = f"{request.operation}|{request.prompt}|{request.seed}|{index}".encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


def render(seed: int, width: int, height: int) -> np.ndarray:
    """A smooth, textured colour field: a sum of random plane waves per channel."""
    rng = np.random.default_rng(seed)
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    channels = []
    for _ in range(3):
        field = np.zeros((height, width), dtype=np.float32)
        for freq_x, freq_y, phase in rng.uniform((-9, -9, 0), (9, 9, 6.3), size=(4, 3)):
            field += np.sin(freq_x * 6.28 * xs + freq_y * 6.28 * ys + phase)
        channels.append(field)
    stacked = np.stack(channels, axis=-1)
    stacked = (stacked - stacked.min()) / (np.ptp(stacked) + 1e-6)
    result: np.ndarray = (stacked * 255).astype(np.uint8)
    return result


def _blend(pixels: np.ndarray, source: InputImage, width: int, height: int) -> np.ndarray:
    with Image.open(io.BytesIO(source.data)) as img:
        base = np.asarray(img.convert("RGB").resize((width, height)), dtype=np.uint16)
    blended: np.ndarray = ((base * 2 + pixels) // 3).astype(np.uint8)
    return blended


def _encode(pixels: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(pixels, "RGB")
    if fmt == "png":
        image.save(buffer, "PNG", compress_level=1)
    else:
        image.save(buffer, fmt.upper(), quality=90)
    return buffer.getvalue()
