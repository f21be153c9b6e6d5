"""Unit tests for the PNG writer: lossless for RGB and RGBA, readable by Pillow, refuses other arrays."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from limner.provenance.png import encode_png

from .images import flat, photo


@pytest.mark.parametrize(
    "pixels",
    [
        photo("coffee", (256, 192)),
        np.random.default_rng(5).integers(0, 256, (33, 47, 3), dtype=np.uint8),
        np.random.default_rng(6).integers(0, 256, (20, 30, 4), dtype=np.uint8),
        flat(255, (1, 1)),
        flat(0, (17, 1)),
    ],
    ids=["photo", "noise-rgb", "noise-rgba", "one-pixel", "one-row"],
)
def test_round_trips_exactly_through_pillow(pixels: np.ndarray) -> None:
    data = encode_png(pixels)
    Image.open(io.BytesIO(data)).verify()  # chunk CRCs and structure
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.mode == ("RGBA" if pixels.shape[2] == 4 else "RGB")
        np.testing.assert_array_equal(np.asarray(image), pixels)


def test_non_contiguous_pixels_are_encoded_as_they_read() -> None:
    pixels = photo("chelsea", (128, 128))[::2, ::-1]
    with Image.open(io.BytesIO(encode_png(pixels))) as image:
        np.testing.assert_array_equal(np.asarray(image), pixels)


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((8, 8), dtype=np.uint8),
        np.zeros((8, 8, 2), dtype=np.uint8),
        np.zeros((8, 8, 3), dtype=np.uint16),
    ],
    ids=["grey", "two-channels", "16-bit"],
)
def test_other_arrays_are_refused(pixels: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_png(pixels)
