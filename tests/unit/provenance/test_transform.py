"""Unit tests for the watermark's embedding domain (Haar level-2 band, 8x8 DCT)."""

from __future__ import annotations

import numpy as np
import pywt

from limner.provenance.transform import (
    add_luma,
    band_blocks,
    dct_matrix,
    square_delta,
    square_sums,
    tiled_shape,
)


def test_dct_matrix_is_orthonormal() -> None:
    d = dct_matrix()
    np.testing.assert_allclose(d @ d.T, np.eye(8), atol=1e-6)


def test_band_is_the_level_two_haar_approximation() -> None:
    y = np.random.default_rng(1).uniform(0, 255, (64, 96)).astype(np.float32)
    approx = pywt.wavedec2(y, "haar", level=2)[0]
    d = dct_matrix()
    blocks = band_blocks(y)
    reconstructed = (d.T @ blocks @ d).transpose(0, 2, 1, 3).reshape(approx.shape)
    np.testing.assert_allclose(reconstructed, approx, rtol=1e-4, atol=1e-2)


def test_square_delta_changes_exactly_the_requested_coefficients() -> None:
    change = np.zeros((2, 3, 8, 8), dtype=np.float32)
    change[1, 2, 2, 1] = 40.0
    change[0, 0, 0, 2] = -12.5
    y = np.random.default_rng(2).uniform(0, 255, (70, 100)).astype(np.float32)
    delta = np.zeros_like(y)
    delta[:64, :96] = np.kron(square_delta(change), np.ones((4, 4), dtype=np.float32))
    after = band_blocks(y + delta)
    np.testing.assert_allclose(after - band_blocks(y), change, atol=1e-2)


def test_square_sums_add_each_four_by_four_square() -> None:
    y = np.random.default_rng(3).uniform(0, 255, (64, 96)).astype(np.float32)
    expected = y.reshape(16, 4, 24, 4).sum(axis=(1, 3))
    np.testing.assert_allclose(square_sums(y), expected, rtol=1e-6)


def test_add_luma_rounds_per_square_clips_and_leaves_pixels_outside_whole_tiles_untouched() -> None:
    assert tiled_shape(70, 100) == (64, 96)
    rgb = np.random.default_rng(4).integers(0, 256, (70, 100, 3), dtype=np.uint8)
    square = np.full((16, 24), 2.6, dtype=np.float32)
    square[0, 0] = -300.0
    marked = add_luma(rgb, square)
    expected = np.clip(rgb[:64, :96].astype(np.int16) + 3, 0, 255)
    expected[:4, :4] = 0
    np.testing.assert_array_equal(marked[:64, :96], expected)
    np.testing.assert_array_equal(marked[64:], rgb[64:])
    np.testing.assert_array_equal(marked[:, 96:], rgb[:, 96:])
