"""Unit tests for decoding untrusted image bytes and encoding pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from limner.errors import UnsupportedImageError
from limner.provenance.codec import decode_image, encode_image, normalize_format

from .images import encode, flat, photo

LIMIT = 10_000_000


@pytest.mark.parametrize(("fmt", "expected"), [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp")])
def test_decodes_supported_formats(fmt: str, expected: str) -> None:
    decoded = decode_image(encode(photo("chelsea", (256, 256)), fmt), max_pixels=LIMIT)
    assert decoded.fmt == expected
    assert decoded.rgb.shape == (256, 256, 3)
    assert decoded.alpha is None


def test_alpha_is_kept_for_png_and_dropped_for_jpeg() -> None:
    rgba = np.dstack([flat(100, (64, 64)), np.full((64, 64), 77, dtype=np.uint8)])
    decoded = decode_image(encode(rgba, "PNG"), max_pixels=LIMIT)
    assert decoded.alpha is not None
    assert int(decoded.alpha[0, 0]) == 77
    png = Image.open(io.BytesIO(encode_image(decoded.rgb, decoded.alpha, "png")))
    assert png.mode == "RGBA"
    assert Image.open(io.BytesIO(encode_image(decoded.rgb, decoded.alpha, "jpg"))).mode == "RGB"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_fully_opaque_alpha_channel_is_dropped_and_the_pixels_kept(fmt: str) -> None:
    rgb = photo("chelsea", (64, 64))
    opaque = np.dstack([rgb, np.full((64, 64), 255, dtype=np.uint8)])
    decoded = decode_image(encode(opaque, fmt), max_pixels=LIMIT)
    assert decoded.alpha is None
    assert decoded.image is not None
    assert np.array_equal(np.asarray(decoded.image), decoded.rgb)
    if fmt == "PNG":  # lossless: the very pixels
        assert np.array_equal(decoded.rgb, rgb)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a PNG"),
        (b"definitely not an image", "not a PNG"),
        (encode(flat(1, (64, 64)), "GIF"), "not a PNG"),
        (encode(flat(1, (64, 64)), "BMP"), "not a PNG"),
        (encode(photo("coffee", (256, 256)), "PNG")[:3000], "corrupt or truncated"),
        (encode(photo("coffee", (256, 256)), "JPEG")[:2000], "corrupt or truncated"),
    ],
    ids=["empty", "text", "gif", "bmp", "truncated-png", "truncated-jpeg"],
)
def test_bad_input_is_an_unsupported_image(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedImageError, match=message):
        decode_image(data, max_pixels=LIMIT)


def _blank_png(width: int, height: int) -> bytes:
    # A 1-bit blank image compresses to almost nothing, yet claims a huge pixel count.
    buffer = io.BytesIO()
    Image.new("1", (width, height), 1).save(buffer, "PNG")
    return buffer.getvalue()


def test_image_over_our_pixel_limit_is_refused_before_decoding() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(UnsupportedImageError, match="exceeds the limit of 10000000"):
        decode_image(_blank_png(5000, 5000), max_pixels=LIMIT)
    assert before == Image.MAX_IMAGE_PIXELS  # the limit is ours, Pillow's global is untouched


def test_image_over_pillows_bomb_limit_is_refused() -> None:
    with pytest.raises(UnsupportedImageError, match="too large to decode safely"):
        decode_image(_blank_png(20000, 20000), max_pixels=10**9)


@pytest.mark.parametrize(("given", "expected"), [("PNG", "png"), ("jpg", "jpeg"), ("image/webp", "webp")])
def test_format_names_are_normalized(given: str, expected: str) -> None:
    assert normalize_format(given) == expected


def test_unknown_output_format_is_refused() -> None:
    with pytest.raises(UnsupportedImageError, match="tiff"):
        normalize_format("tiff")
