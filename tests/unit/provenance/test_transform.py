"""Unit tests for the watermark's embedding domain (Haar level-2 band, 8x8 DCT)."""

from __future__ import annotations

import numpy as np
import pywt

from limner.provenance.transform import band_blocks, dct_matrix, pixel_delta, tiled_shape


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


def test_pixel_delta_changes_exactly_the_requested_coefficients() -> None:
    change = np.zeros((2, 3, 8, 8), dtype=np.float32)
    change[1, 2, 2, 1] = 40.0
    change[0, 0, 0, 2] = -12.5
    y = np.random.default_rng(2).uniform(0, 255, (70, 100)).astype(np.float32)
    after = band_blocks(y + pixel_delta(change, y.shape))
    np.testing.assert_allclose(after - band_blocks(y), change, atol=1e-2)


def test_pixels_outside_whole_tiles_are_untouched() -> None:
    assert tiled_shape(70, 100) == (64, 96)
    delta = pixel_delta(np.ones((2, 3, 8, 8), dtype=np.float32), (70, 100))
    assert not delta[64:, :].any()
    assert not delta[:, 96:].any()
