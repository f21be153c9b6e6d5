"""Streaming backends: partial images while rendering, then the usual BackendResult."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from limner.generation.backends.base import BackendResult
from limner.imaging.requests import ImageFormat, ImageRequest


@dataclass(frozen=True, slots=True)
class PartialImage:
    """An unfinished rendering of image `index` of the request; never stored, checked before it is sent."""

    index: int
    partial_index: int
    data: bytes
    format: ImageFormat


@runtime_checkable
class StreamingBackend(Protocol):
    def stream(
        self, request: ImageRequest, *, partial_images: int
    ) -> AsyncIterator[PartialImage | BackendResult]:
        """Yield up to `partial_images` partials per image, then exactly one BackendResult last."""
        ...
