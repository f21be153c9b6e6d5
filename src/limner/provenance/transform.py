"""The watermark's embedding domain: 8x8 DCT blocks of the level-2 Haar approximation of luma."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

LEVEL_SCALE = 4  # a level-2 Haar approximation coefficient covers 4x4 pixels
BLOCK = 8  # DCT block size in the approximation band, so one block covers 32x32 pixels
TILE = LEVEL_SCALE * BLOCK
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@cache
def dct_matrix() -> FloatArray:
    """The orthonormal 8-point DCT-II matrix."""
    k = np.arange(BLOCK)[:, None]
    n = np.arange(BLOCK)[None, :]
    basis = np.cos(np.pi * (2 * n + 1) * k / (2 * BLOCK)) * np.sqrt(2 / BLOCK)
    basis[0] /= np.sqrt(2)
    result: FloatArray = basis.astype(np.float32)
    return result


def luma(rgb: npt.NDArray[np.uint8]) -> FloatArray:
    """Rec. 601 luma of an RGB image, as float32."""
    result: FloatArray = rgb.astype(np.float32) @ LUMA_WEIGHTS
    return result


def tiled_shape(height: int, width: int) -> tuple[int, int]:
    """The largest top-left region made of whole 32x32 tiles."""
    return height - height % TILE, width - width % TILE


def band_blocks(y: FloatArray) -> FloatArray:
    """DCT coefficients of the level-2 Haar approximation band, shape (rows, cols, 8, 8).

    The orthonormal Haar LL band at level 2 is exactly 4x the mean of each 4x4 pixel square
    (pywt.wavedec2(y, "haar", level=2)[0] gives the same numbers), so it is computed directly."""
    h, w = tiled_shape(*y.shape)
    approx = y[:h, :w].reshape(h // 4, 4, w // 4, 4).sum(axis=(1, 3)) / 4
    rows, cols = h // TILE, w // TILE
    blocks = approx.reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3)
    d = dct_matrix()
    result: FloatArray = d @ blocks @ d.T
    return result


def pixel_delta(coef_delta: FloatArray, shape: tuple[int, int]) -> FloatArray:
    """The luma change (full image `shape`) that changes the band's DCT coefficients by `coef_delta`."""
    d = dct_matrix()
    rows, cols = coef_delta.shape[:2]
    approx = (d.T @ coef_delta @ d).transpose(0, 2, 1, 3).reshape(rows * BLOCK, cols * BLOCK)
    # Inverse Haar of an approximation-only change: each coefficient spreads evenly over 4x4 pixels.
    square = np.repeat(np.repeat(approx / 4, LEVEL_SCALE, axis=0), LEVEL_SCALE, axis=1)
    delta = np.zeros(shape, dtype=np.float32)
    delta[: square.shape[0], : square.shape[1]] = square
    return delta
