"""The ImageBackend contract and the plain data it exchanges with the flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Operation = Literal["generate", "edit", "variation"]
ImageFormat = Literal["png", "jpeg", "webp"]


@dataclass(frozen=True, slots=True)
class InputImage:
    """An uploaded image, already validated, decoded and re-encoded as metadata-free PNG."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """A request the policy engine approved. `model` is the upstream model id (the catalog maps it)."""

    operation: Operation
    model: str
    prompt: str | None
    n: int
    size: str | None  # "WxH" or "auto"/None
    quality: str | None = None
    style: str | None = None
    background: str | None = None
    output_format: ImageFormat = "png"
    output_compression: int | None = None
    moderation: str | None = None
    input_fidelity: str | None = None  # edits: how closely to keep the input image's details
    images: tuple[InputImage, ...] = ()
    mask: InputImage | None = None
    user: str | None = None  # a pseudonymous id, never the email
    seed: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_text_tokens: int = 0
    input_image_tokens: int = 0


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
