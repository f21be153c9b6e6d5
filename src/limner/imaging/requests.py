"""The plain image request types: what a caller asked for (`GenerationInput`), what a backend runs
(`ImageRequest`), input images and token usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Operation = Literal["generate", "edit", "variation"]
ImageFormat = Literal["png", "jpeg", "webp"]
# The parameters of a request besides its model, prompt and images: `ImageRequest` carries them to a
# backend, a generation stores them to run again after review, and the wire format reserves them.
REQUEST_PARAMS = (
    "n",
    "size",
    "quality",
    "style",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "input_fidelity",
)


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
class GenerationInput:
    """What the caller asked for, before catalog validation. Shared by API, web and CLI."""

    operation: Operation
    model: str | None
    prompt: str | None
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    response_format: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    moderation: str | None = None
    user: str | None = None
    stream: bool | None = None
    partial_images: int | None = None
    input_fidelity: str | None = None
    images: tuple[InputImage, ...] = ()
    mask: InputImage | None = None
