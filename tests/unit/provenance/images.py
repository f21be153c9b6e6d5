"""Test images for provenance tests: public-domain/CC0 photos from scikit-image, flat fills, codecs.

scikit-image is a test-only dependency; its astronaut and rocket photos are public domain (NASA,
SpaceX), coffee and chelsea are CC0 (Rachel Michetti, Stefan van der Walt)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from PIL import Image
from skimage import data as skdata

from limner.provenance.base import ProvenanceInfo

RgbArray = npt.NDArray[np.uint8]
PHOTOS: dict[str, Callable[[], RgbArray]] = {
    "astronaut": skdata.astronaut,
    "coffee": skdata.coffee,
    "chelsea": skdata.chelsea,
    "rocket": skdata.rocket,
}


def photo(name: str, size: tuple[int, int]) -> RgbArray:
    """The named photo scaled and centre-cropped to `size` (width, height)."""
    image = Image.fromarray(PHOTOS[name]()).convert("RGB")
    scale = max(size[0] / image.width, size[1] / image.height)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    left, top = (image.width - size[0]) // 2, (image.height - size[1]) // 2
    return np.asarray(image.crop((left, top, left + size[0], top + size[1])))


def flat(value: int, size: tuple[int, int]) -> RgbArray:
    """A single-colour image."""
    return np.full((size[1], size[0], 3), value, dtype=np.uint8)


def encode(rgb: RgbArray, fmt: str, **options: int) -> bytes:
    """Encode with Pillow (no metadata is carried over)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return buffer.getvalue()


def pixels(data: bytes) -> RgbArray:
    """Decode to RGB pixels."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def reencode(rgb: RgbArray, fmt: str, **options: int) -> RgbArray:
    """Round-trip through a codec."""
    return pixels(encode(rgb, fmt, **options))


def halve(rgb: RgbArray) -> RgbArray:
    """Resize to half width and height (bicubic)."""
    image = Image.fromarray(rgb)
    return np.asarray(image.resize((image.width // 2, image.height // 2), Image.Resampling.BICUBIC))


def psnr(original: RgbArray, marked: RgbArray) -> float:
    """Peak signal-to-noise ratio in dB."""
    mse = float(np.mean((original.astype(np.float64) - marked.astype(np.float64)) ** 2))
    return 10 * float(np.log10(255**2 / mse))


def info(image_id: str = "3f2a9c1e7b5d4e6f8a0b1c2d3e4f5a6b") -> ProvenanceInfo:
    """Provenance facts for a test image."""
    created = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    return ProvenanceInfo(image_id, "dall-e-3", "2026-11", created, "u-7f3e")
