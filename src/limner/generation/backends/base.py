"""The ImageBackend contract and the plain data it exchanges with the flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from limner.imaging.requests import ImageFormat, ImageRequest, Usage


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    data: bytes  # encoded image bytes as the provider sent them
    format: ImageFormat
    revised_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class BackendResult:
    images: list[GeneratedImage]
    usage: Usage | None = None


class ImageBackend(Protocol):
    async def generate(self, request: ImageRequest) -> BackendResult:
        """Run `request` (generate, edit or variation) and return n images.

        Never log or persist `request.prompt` or image bytes. Raise limner.errors.UpstreamError
        (502) on transport failures or garbage, UpstreamTimeoutError (504) on timeouts and
        ContentPolicyViolation when the vendor declines the prompt, keeping the vendor's code."""
        ...

    async def check(self) -> None:
        """Raise UnavailableError when the backend cannot serve requests (used by /readyz)."""
        ...

    async def aclose(self) -> None:
        """Release connections and models."""
        ...
