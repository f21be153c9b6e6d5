"""NudeNet's exposed-body-part detector: an optional extra, because NudeNet is AGPL-3.0."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from limner.errors import ConfigError
from limner.imaging.decoding import DEFAULT_MAX_PIXELS, open_image
from limner.moderation import categories as cat
from limner.moderation.providers.base import ModerationScores

INSTALL_HINT = (
    "The nudenet moderator needs the optional extra: pip install 'limner[nudenet]'. "
    "NudeNet is licensed AGPL-3.0; check that its terms suit your deployment before enabling it."
)
EXPOSED_LABELS = (
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "BUTTOCKS_EXPOSED",
)


class NudeNetConfig(BaseModel):
    kind: Literal["nudenet"] = "nudenet"
    name: str = Field(default="nudenet", description="Provider name in verdicts and audit records")
    labels: list[str] = Field(
        default_factory=lambda: list(EXPOSED_LABELS),
        description="NudeNet detection classes that count towards the sexual score",
    )
    max_pixels: int = Field(
        default=DEFAULT_MAX_PIXELS, ge=1, description="Larger images are refused before decoding"
    )


def import_nudenet() -> Any:
    try:
        import nudenet
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc
    return nudenet


class NudeNetModerator:
    """The sexual score is the most confident detection among the configured exposed classes."""

    def __init__(self, config: NudeNetConfig) -> None:
        self.name = config.name
        self._labels = frozenset(config.labels)
        self._max_pixels = config.max_pixels
        self._detector = import_nudenet().NudeDetector()

    async def moderate(self, image: bytes) -> ModerationScores:
        score = await asyncio.to_thread(self.score, image)
        return ModerationScores(provider=self.name, scores={cat.SEXUAL: score})

    def score(self, image: bytes) -> float:
        """Decode under our own limits, then hand NudeNet pixels, never raw bytes (blocking)."""
        with open_image(image, field="image", max_pixels=self._max_pixels) as decoded:
            # NudeNet reads arrays the OpenCV way: BGR channel order.
            pixels = np.ascontiguousarray(np.asarray(decoded.convert("RGB"))[:, :, ::-1])
        detections = self._detector.detect(pixels)
        hits = [float(d["score"]) for d in detections if d.get("class") in self._labels]
        return max(hits, default=0.0)

    def score_local(self, image: bytes, pixels: Image.Image | None) -> ModerationScores:
        """NudeNet decodes under its own limits: `pixels` is not used (blocking)."""
        return ModerationScores(provider=self.name, scores={cat.SEXUAL: self.score(image)})

    async def aclose(self) -> None:
        """NudeNet holds an ONNX session that is freed with the object."""
