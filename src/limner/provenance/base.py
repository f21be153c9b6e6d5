"""The provenance contract the flow calls on every delivered image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from limner.provenance.codec import (
    DEFAULT_MAX_PIXELS,
    decode_image,
    encode_image,
    normalize_format,
    sniff_format,
)


@dataclass(frozen=True, slots=True)
class SourceImage:
    """The stored image a workspace edit changed: its signed file becomes an ingredient of the edit."""

    image_id: str
    data: bytes
    fmt: str


@dataclass(frozen=True, slots=True)
class ProvenanceInfo:
    """What the credentials say about an image. No prompt text, no email: a pseudonymous creator."""

    image_id: str
    model: str
    policy_version: str
    created_at: datetime
    creator: str  # pseudonymous id
    source: SourceImage | None = None


class Provenance(Protocol):
    def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
        """Return the image re-encoded in `fmt` (png, jpeg, webp) with the invisible watermark and
        the signed manifest. Pure CPU work; raise limner.errors.ConfigError if signing is
        misconfigured."""
        ...


class NoProvenance:
    """Adds nothing: the configuration that runs no provenance stage. Like the real stage it delivers
    the format asked for: the bytes as given when they are in it already, else the pixels re-encoded."""

    def __init__(self, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self._max_pixels = max_pixels

    def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
        """Raises UnsupportedImageError for an unknown `fmt`, or for undecodable input to re-encode."""
        out_fmt = normalize_format(fmt)
        if sniff_format(image) == out_fmt:
            return image
        decoded = decode_image(image, max_pixels=self._max_pixels)
        return encode_image(decoded.rgb, decoded.alpha, out_fmt)
