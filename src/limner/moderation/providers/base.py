"""The ImageModerator contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from PIL import Image


@dataclass(frozen=True, slots=True)
class ModerationScores:
    """Category scores in [0, 1] from one provider, e.g. {"sexual": 0.93, "violence": 0.02}."""

    provider: str
    scores: dict[str, float] = field(default_factory=dict)


class ImageModerator(Protocol):
    name: str

    async def moderate(self, image: bytes) -> ModerationScores:
        """Score one encoded image (PNG, JPEG or WebP). Never log or persist the bytes.
        Raise limner.errors.UpstreamError when the provider cannot answer; the flow then fails
        closed (or open, where configured)."""
        ...

    async def aclose(self) -> None:
        """Release connections, sessions and threads; the moderator is not used afterwards."""
        ...


@runtime_checkable
class LocalModerator(Protocol):
    """A moderator that scores on this machine's CPU: the image worker processes run it, next to
    provenance, on pixels decoded once (generation/image_work.py)."""

    name: str

    def score_local(self, image: bytes, pixels: Image.Image | None) -> ModerationScores:
        """Score one image (blocking). `pixels` is the already decoded image when there is one;
        otherwise decode `image` under the moderator's own limits."""
        ...
