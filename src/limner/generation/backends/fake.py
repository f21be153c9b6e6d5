"""A scripted backend for tests: tiny images, recorded requests, injectable failures and delays."""

from __future__ import annotations

import asyncio
import io
from typing import Literal

from PIL import Image
from pydantic import BaseModel, Field

from limner.errors import LimnerError
from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.imaging.requests import ImageRequest


class FakeConfig(BaseModel):
    kind: Literal["fake"] = "fake"
    delay_s: float = Field(default=0.0, ge=0)
    revised_prompt: str | None = None
    size: int = Field(default=8, ge=1, le=4096, description="Edge of the square images it returns")


class FakeBackend:
    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self.requests: list[ImageRequest] = []
        self.fail_with: LimnerError | None = None

    async def generate(self, request: ImageRequest) -> BackendResult:
        self.requests.append(request)
        if self.config.delay_s:
            await asyncio.sleep(self.config.delay_s)
        if self.fail_with is not None:
            raise self.fail_with
        data = _png(self.config.size, len(self.requests))
        image = GeneratedImage(data=data, format="png", revised_prompt=self.config.revised_prompt)
        return BackendResult(images=[image] * request.n)

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def _png(edge: int, shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (edge, edge), (shade % 256, 80, 160)).save(buffer, "PNG")
    return buffer.getvalue()
