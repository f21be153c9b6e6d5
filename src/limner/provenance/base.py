"""The provenance contract the flow calls on every delivered image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
    """Adds nothing: the configuration that runs no provenance stage."""

    def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
        return image
