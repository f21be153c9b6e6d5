"""A fast PNG writer for 8-bit RGB and RGBA pixels: the Up filter on every row and ISA-L deflate.

Pillow's encoder picks a filter per row by trying four of them (in C, one byte at a time) and then runs
zlib; for a 1024x1024 image that is ~60 ms on one core. Filtering every row with Up is one numpy
subtraction and ISA-L's level-1 deflate runs several times faster than zlib's; files are 0-20 % larger
than Pillow's level 1 (the Up filter predicts less well than Paeth on photos). The output is a plain
PNG: signature, IHDR, one IDAT, IEND."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt
from isal import isal_zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_TYPES = {3: 2, 4: 6}  # channels -> PNG colour type (truecolour, truecolour with alpha)
FILTER_NONE, FILTER_UP = 0, 2
DEFLATE_LEVEL = 1  # ISA-L's levels are 0-3; 1 costs about what 0 does and compresses much better


def encode_png(pixels: npt.NDArray[np.uint8]) -> bytes:
    """PNG bytes of an (H, W, 3) or (H, W, 4) uint8 array."""
    if pixels.ndim != 3 or pixels.shape[2] not in COLOR_TYPES or pixels.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3 or 4) uint8 pixels, got {pixels.shape} {pixels.dtype}")
    height, width, channels = pixels.shape
    rows = np.ascontiguousarray(pixels).reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[0, 0] = FILTER_NONE  # the first row has no row above it
    filtered[0, 1:] = rows[0]
    filtered[1:, 0] = FILTER_UP
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        [
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", isal_zlib.compress(filtered, DEFLATE_LEVEL)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))
