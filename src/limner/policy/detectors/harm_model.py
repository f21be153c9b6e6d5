"""The harm classifier at inference: one logistic-regression head per category over hashed n-grams."""

from __future__ import annotations

import json
from typing import IO

import numpy as np
import numpy.typing as npt

from limner.errors import ConfigError
from limner.policy.detectors.harm_features import Features, FloatArray, extract

WEIGHTS_FILE = "classifier.npz"


class HarmModel:
    """Weights come from scripts/train_moderation.py as a plain .npz, read with allow_pickle=False."""

    def __init__(self, file: IO[bytes]) -> None:
        try:
            with np.load(file, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                rows = data["rows"].astype(np.int64)
                values = data["weights"].astype(np.float32)
                self.bias: FloatArray = data["bias"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError("The harm classifier weights could not be loaded.") from exc
        self.n_buckets = int(meta["n_buckets"])
        self.categories: tuple[str, ...] = tuple(meta["categories"])
        self.meta: dict[str, object] = meta
        self.weights: FloatArray = np.zeros((self.n_buckets, len(self.categories)), np.float32)
        self.weights[rows] = values

    def features(self, normalized_text: str) -> Features:
        return extract(normalized_text, self.n_buckets)

    def probabilities(self, features: Features) -> FloatArray:
        """One probability per category, in the order of `categories`."""
        buckets, values = features.unique()
        logits = values @ self.weights[buckets] + self.bias
        result: FloatArray = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return result

    def strongest_span(self, features: Features, head: int) -> tuple[int, int]:
        """The normalized span of the n-gram that pushed category `head` up the most."""
        contributions: npt.NDArray[np.float32] = self.weights[features.buckets, head]
        best = int(np.argmax(contributions))
        return int(features.starts[best]), int(features.ends[best])
