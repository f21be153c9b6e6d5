"""Request and response shapes of the OpenAI-compatible Images API, and the flow's plain input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from limner.imaging.requests import Usage
from limner.imaging.responses import ImageData


class GenerationBody(BaseModel):
    """POST /v1/images/generations. Unknown fields are refused; JSON null means absent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    prompt: str
    model: str | None = None
    n: StrictInt | None = None  # "2" or true is refused, as OpenAI does
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    response_format: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: StrictInt | None = None
    moderation: str | None = None
    user: str | None = Field(default=None, max_length=256)
    safety_identifier: str | None = Field(default=None, max_length=256)
    stream: bool | None = None
    partial_images: StrictInt | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: object) -> object:
        """JSON allows a lone surrogate ("\\ud800"); no text we store or forward may hold one."""
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                raise ValueError("the text holds an unpaired surrogate (not valid Unicode)") from None
        return value


@dataclass(frozen=True, slots=True)
class DeliveredImage:
    image_id: str
    data: bytes
    format: str
    revised_prompt: str | None


@dataclass(frozen=True, slots=True)
class GenerationOutcome:
    generation_id: str
    created: int
    response_format: str
    images: list[DeliveredImage]
    usage: Usage | None
    upstream_ms: float
    image_ms: float = 0.0  # time in the image stages (checks, provenance, encryption, storage)
    model_ms: float = 0.0  # time the prompt check waited for the harm model tier / vendor checks
    warnings: list[str] = field(default_factory=list)
    prompt_redacted: bool = False
    params: dict[str, Any] = field(default_factory=dict)


class ImagesResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    created: int
    data: list[ImageData]
    size: str | None = None
    quality: str | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    background: Literal["transparent", "opaque"] | None = None
    usage: dict[str, Any] | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
