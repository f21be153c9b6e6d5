"""Unit tests for the invisible watermark: invisibility, robustness, never a wrong id.

Robustness across more attacks and sizes is measured, not asserted, in bench/provenance.py."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from limner.provenance.watermarks.dwt_dct import DwtDctWatermark, candidate_sizes

from .images import RgbArray, flat, halve, photo, psnr, reencode

KEY = bytes(range(32))
MARK = "3f2a9c1e7b5d"
CASES = [("astronaut", (1024, 1024)), ("coffee", (512, 512)), ("rocket", (1536, 1024))]


@pytest.fixture(scope="module")
def watermark() -> DwtDctWatermark:
    return DwtDctWatermark(KEY, strength=48.0, min_confidence=1.5)


@pytest.mark.parametrize(("name", "size"), CASES)
def test_mark_is_invisible_and_decodes(watermark: DwtDctWatermark, name: str, size: tuple[int, int]) -> None:
    original = photo(name, size)
    marked = watermark.embed(original, MARK)
    assert psnr(original, marked) >= 38.0
    assert watermark.decode(marked) == MARK


@pytest.mark.parametrize(("name", "size"), CASES)
@pytest.mark.parametrize(
    "attack",
    [
        lambda rgb: reencode(rgb, "JPEG", quality=75),
        lambda rgb: reencode(rgb, "WEBP", quality=80),
        lambda rgb: reencode(rgb, "PNG"),
        halve,
        lambda rgb: reencode(halve(rgb), "JPEG", quality=75),
    ],
    ids=["jpeg75", "webp80", "png", "half", "half+jpeg75"],
)
def test_mark_survives_common_processing(
    watermark: DwtDctWatermark, name: str, size: tuple[int, int], attack: Callable[[RgbArray], RgbArray]
) -> None:
    marked = watermark.embed(photo(name, size), MARK)
    assert watermark.decode(attack(marked)) == MARK


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "rocket"])
def test_unmarked_photos_decode_to_none(watermark: DwtDctWatermark, name: str) -> None:
    assert watermark.decode(photo(name, (1024, 1024))) is None


def test_another_key_reads_nothing(watermark: DwtDctWatermark) -> None:
    marked = watermark.embed(photo("chelsea", (512, 512)), MARK)
    other = DwtDctWatermark(b"another key, 32 bytes long......", strength=48.0, min_confidence=1.5)
    assert other.decode(marked) is None


@pytest.mark.parametrize("value", [0, 128, 255])
def test_flat_images_carry_the_mark_through_jpeg(watermark: DwtDctWatermark, value: int) -> None:
    # QIM does not depend on image content; at 0 and 255 half of the changes clip, and the
    # other half still carries every bit.
    marked = watermark.embed(flat(value, (512, 512)), MARK)
    assert watermark.decode(reencode(marked, "JPEG", quality=75)) == MARK


def test_images_smaller_than_a_tile_pass_through(watermark: DwtDctWatermark) -> None:
    tiny = flat(90, (20, 20))
    np.testing.assert_array_equal(watermark.embed(tiny, MARK), tiny)
    assert watermark.decode(tiny) is None


def test_candidate_sizes_try_own_size_then_known_sizes_of_same_aspect() -> None:
    assert candidate_sizes(512, 512) == [(512, 512), (256, 256), (1024, 1024)]
    assert candidate_sizes(768, 512) == [(768, 512), (1536, 1024)]
    assert candidate_sizes(10, 10) == [(256, 256), (512, 512), (1024, 1024)]
    assert candidate_sizes(1000, 100) == [(1000, 100)]
