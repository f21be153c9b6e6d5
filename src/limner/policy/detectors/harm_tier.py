"""The harm model tier (`kind: harm_model`): a multilingual sentence encoder and a logistic head per category.

The lexicons and the n-gram classifier (`kind: harm`) stay the fast tier; this tier reads meaning, so it
also works on languages and wording nobody wrote a lexicon for. It runs on a worker thread of its own,
never on the event loop; the engine reports its time as x-limner-model-ms. The head is a plain .npz
made by scripts/train_encoder_head.py (`make train-moderation`), read with allow_pickle=False.

    detectors:
      - kind: harm_model            # encoder: {kind: use_multilingual_v3, threads: 1} by default
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import IO, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, field_validator

from limner.errors import ConfigError
from limner.policy.detectors.encoders import (
    EncoderConfig,
    FloatMatrix,
    SentenceEncoder,
    UseEncoderConfig,
    build_encoder,
)
from limner.policy.detectors.offload import WorkerThread
from limner.policy.normalize import normalize
from limner.policy.schemas import Finding

HEAD_FILE = "encoder_head.npz"


class HarmModelConfig(BaseModel):
    """Settings of the model tier; thresholds not listed keep the values tuned by the training script."""

    kind: Literal["harm_model"] = "harm_model"
    name: str = Field(default="harm_model", description="Detector name in findings")
    encoder: EncoderConfig = Field(default_factory=UseEncoderConfig, description="The sentence encoder")
    head: str | None = Field(
        default=None, description="Path of a classifier head (.npz); the shipped head when unset"
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Minimum probability per harm category; above 1 turns it off"
    )

    @field_validator("thresholds")
    @classmethod
    def _valid(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()):
            raise ValueError("harm_model thresholds must not be negative")
        return value


class EncoderHead:
    """Logistic regression over sentence vectors: weights (dim, categories), bias, tuned thresholds."""

    def __init__(self, file: IO[bytes] | Path) -> None:
        try:
            with np.load(file, allow_pickle=False) as data:
                self.meta: dict[str, object] = json.loads(str(data["meta"]))
                self.weights: FloatMatrix = data["weights"].astype(np.float32)
                self.bias: npt.NDArray[np.float32] = data["bias"].astype(np.float32)
            categories = self.meta["categories"]
            thresholds = self.meta["thresholds"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError("The harm model head could not be loaded.") from exc
        if not isinstance(categories, list) or not isinstance(thresholds, dict):
            raise ConfigError("The harm model head has no categories and thresholds.")
        self.categories: tuple[str, ...] = tuple(str(c) for c in categories)
        self.thresholds: dict[str, float] = {str(k): float(v) for k, v in thresholds.items()}
        self.encoder = str(self.meta.get("encoder", ""))

    def probabilities(self, vectors: FloatMatrix) -> FloatMatrix:
        logits = vectors @ self.weights + self.bias
        result: FloatMatrix = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return result


class HarmModelDetector:
    """Findings harm.* spanning the whole prompt (meaning has no single word to point at)."""

    def __init__(self, config: HarmModelConfig, *, encoder: SentenceEncoder | None = None) -> None:
        self.name = config.name
        self.head = _load_head(config.head)
        self.encoder = encoder or build_encoder(config.encoder)
        if self.head.encoder != self.encoder.name or self.head.weights.shape[0] != self.encoder.dim:
            raise ConfigError(
                f"The harm model head was trained for encoder {self.head.encoder!r}, "
                f"not {self.encoder.name!r} ({self.encoder.dim} dimensions)."
            )
        unknown = sorted(set(config.thresholds) - set(self.head.categories))
        if unknown:
            raise ConfigError(f"harm_model thresholds name unknown categories: {unknown}")
        self.thresholds = {**self.head.thresholds, **config.thresholds}
        self._worker = WorkerThread("harm-model")

    def scores(self, texts: list[str]) -> FloatMatrix:
        """Probabilities, one row per text and one column per `head.categories` entry."""
        prepared = [normalize(text, leet=True).text for text in texts]
        return self.head.probabilities(self.encoder.encode(prepared))

    def detect(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        probabilities = self.scores([text])[0]
        return [
            Finding(self.name, category, 0, len(text), round(float(p), 4))
            for category, p in zip(self.head.categories, probabilities, strict=True)
            if p >= self.thresholds[category]
        ]

    async def detect_async(self, text: str) -> list[Finding]:
        """The same as detect(), on this detector's worker thread (the event loop stays free)."""
        return await self._worker.run(self.detect, text)

    async def aclose(self) -> None:
        self._worker.close()


def _load_head(path: str | None) -> EncoderHead:
    if path is not None:
        return EncoderHead(Path(path))
    try:
        with resources.files("limner.policy").joinpath("data", "harm", HEAD_FILE).open("rb") as handle:
            return EncoderHead(handle)
    except OSError as exc:
        raise ConfigError("The harm model head is missing; run make train-moderation.") from exc
