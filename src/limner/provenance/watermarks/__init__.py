"""The watermark family: a Protocol, its configs (`kind` picks one), the no-op member, the builder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal, Protocol, assert_never

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, SecretStr

from limner.errors import ConfigError

RgbArray = npt.NDArray[np.uint8]
KEY_BYTES = 32


class Watermark(Protocol):
    def embed(self, rgb: RgbArray, mark: str) -> RgbArray:
        """Return a copy of the (H, W, 3) uint8 image carrying `mark`, 12 hex digits."""
        ...

    def decode(self, rgb: RgbArray) -> str | None:
        """The exact embedded mark, or None: never a wrong mark."""
        ...


class DwtDctWatermarkConfig(BaseModel):
    kind: Literal["dwt_dct"] = "dwt_dct"
    key: SecretStr | None = Field(
        default=None, description="Hex key (64 digits); when unset, read from key_path"
    )
    key_path: Path = Field(
        default=Path("provenance/watermark.key"),
        description="File holding the hex key, written by `limner init`; relative to the data dir",
    )
    strength: float = Field(
        default=48.0, ge=8, le=200, description="QIM step: higher is more robust and less invisible"
    )
    min_confidence: float = Field(
        default=1.5, ge=1.0, description="Vote z-score a decode needs; unmarked images score ~0.8"
    )


class NoWatermarkConfig(BaseModel):
    kind: Literal["none"] = "none"


WatermarkConfig = Annotated[DwtDctWatermarkConfig | NoWatermarkConfig, Field(discriminator="kind")]


class NoWatermark:
    """Embeds nothing and finds nothing: the configuration without a watermark."""

    def embed(self, rgb: RgbArray, mark: str) -> RgbArray:
        return rgb.copy()

    def decode(self, rgb: RgbArray) -> str | None:
        return None


def build_watermark(config: WatermarkConfig, data_dir: Path) -> Watermark:
    """The watermark `config.kind` names; raises ConfigError when its key is missing or bad."""
    from limner.provenance.watermarks.dwt_dct import DwtDctWatermark

    match config:
        case DwtDctWatermarkConfig():
            key = load_watermark_key(config, data_dir)
            return DwtDctWatermark(key, strength=config.strength, min_confidence=config.min_confidence)
        case NoWatermarkConfig():
            return NoWatermark()
        case _:
            assert_never(config)


def load_watermark_key(config: DwtDctWatermarkConfig, data_dir: Path) -> bytes:
    """The key from the settings, else from its file."""
    if config.key is not None:
        text = config.key.get_secret_value()
    else:
        path = data_dir / config.key_path
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"watermark key {path} is unreadable: run `limner init`") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ConfigError("watermark key is not hex") from exc
    if len(key) < 16:
        raise ConfigError("watermark key is shorter than 16 bytes")
    return key


def create_watermark_key(directory: Path) -> Path:
    """Write a fresh random key to <directory>/watermark.key (mode 0600); keep an existing one."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "watermark.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return path
