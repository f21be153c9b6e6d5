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
    approx = square_sums(y[:h, :w])
    approx /= 4
    rows, cols = h // TILE, w // TILE
    blocks = approx.reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3)
    d = dct_matrix()
    return np.asarray(d @ blocks @ d.T, dtype=np.float32)  # no copy: already float32


def square_sums(y: FloatArray) -> FloatArray:
    """The sum of each 4x4 pixel square of `y` (sides multiples of 4), as strided slice additions:
    numpy's sum over two inner axes of a reshaped view is ten times slower."""
    h, w = y.shape
    across = y.reshape(h, w // LEVEL_SCALE, LEVEL_SCALE)
    pairs = across[:, :, 0] + across[:, :, 1]
    for k in range(2, LEVEL_SCALE):
        pairs += across[:, :, k]
    down = pairs.reshape(h // LEVEL_SCALE, LEVEL_SCALE, w // LEVEL_SCALE)
    result: FloatArray = down[:, 0] + down[:, 1]
    for k in range(2, LEVEL_SCALE):
        result += down[:, k]
    return result


def square_delta(coef_delta: FloatArray) -> FloatArray:
    """The luma change of each 4x4 pixel square (shape rows*8, cols*8) that changes the band's DCT
    coefficients by `coef_delta`: the inverse Haar of an approximation-only change spreads each
    coefficient evenly over its 4x4 pixels."""
    d = dct_matrix()
    rows, cols = coef_delta.shape[:2]
    approx = (d.T @ coef_delta @ d).transpose(0, 2, 1, 3).reshape(rows * BLOCK, cols * BLOCK)
    return np.asarray(approx / 4, dtype=np.float32)  # no copy: already float32


def add_luma(rgb: npt.NDArray[np.uint8], square: FloatArray) -> npt.NDArray[np.uint8]:
    """A copy of `rgb` with round(`square`) added to all three channels of each 4x4 pixel square
    of the top-left region `square` covers, clipped to 0-255; pixels outside it are unchanged.
    (Rounding per square equals rounding the per-pixel change, which is constant over a square.)"""
    rows, cols = square.shape
    h, w = rows * LEVEL_SCALE, cols * LEVEL_SCALE
    marked = rgb.astype(np.int16)
    view = marked[:h, :w].reshape(rows, LEVEL_SCALE, cols, LEVEL_SCALE, 3)
    view += np.round(square).astype(np.int16)[:, None, :, None, None]
    result: npt.NDArray[np.uint8] = np.clip(marked, 0, 255).astype(np.uint8)
    return result
