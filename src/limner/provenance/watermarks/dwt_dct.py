"""Invisible watermark: a keyed, checksummed 64-bit payload in the DCT of the Haar approximation band.

Each 32x32 pixel tile carries a few payload bits by quantization index modulation (QIM) of
mid-low frequency DCT coefficients; a key decides which tile coefficient carries which bit and
dithers the quantizer, so only the key holder can read or forge the mark. Every bit is repeated
many times and decoded by soft majority vote; a decode is accepted only when the checksum holds
and the vote is far stronger than what an unmarked image gives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from limner.provenance.payload import PAYLOAD_BITS, decode_payload, encode_payload
from limner.provenance.transform import FloatArray, add_luma, band_blocks, luma, square_delta, tiled_shape

RgbArray = npt.NDArray[np.uint8]

# The sizes the gateway produces, as (width, height): a resized copy is scaled back to each.
KNOWN_SIZES: tuple[tuple[int, int], ...] = (
    (256, 256),
    (512, 512),
    (1024, 1024),
    (1536, 1024),
    (1024, 1536),
    (1792, 1024),
    (1024, 1792),
)
# Mid-low frequencies of each 8x8 band block: they survive JPEG and halving, and stay invisible.
COEFFICIENTS: tuple[tuple[int, int], ...] = ((0, 2), (2, 0), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
ASPECT_TOLERANCE = 0.03


@dataclass(frozen=True, slots=True)
class _Layout:
    bit_index: npt.NDArray[np.intp]  # (rows, cols, coefficients): which payload bit each slot carries
    dither: FloatArray  # (rows, cols, coefficients): keyed quantizer offset in [0, 1)
    counts: FloatArray  # (64,): how many slots carry each bit


class DwtDctWatermark:
    """Embeds and decodes the mark; `strength` is the QIM step, `min_confidence` the vote z-score."""

    def __init__(self, key: bytes, *, strength: float, min_confidence: float) -> None:
        self._key = key
        self._step = strength
        self._min_confidence = min_confidence
        self._layouts: dict[tuple[int, int], _Layout] = {}

    def embed(self, rgb: RgbArray, mark: str) -> RgbArray:
        """Return a copy of `rgb` (H, W, 3) carrying `mark` (12 hex digits); tiny images pass through."""
        coefs = band_blocks(luma(rgb))
        if coefs.shape[0] * coefs.shape[1] == 0:
            return rgb.copy()
        layout = self._layout(coefs.shape[0], coefs.shape[1])
        bits = encode_payload(mark, self._key)[layout.bit_index].astype(np.float32)
        rows, cols = zip(*COEFFICIENTS, strict=True)
        current = coefs[:, :, rows, cols]
        offset = (layout.dither + bits / 2) * self._step
        target = np.round((current - offset) / self._step) * self._step + offset
        change = np.zeros_like(coefs)
        change[:, :, rows, cols] = target - current
        return add_luma(rgb, square_delta(change))

    def decode(self, rgb: RgbArray) -> str | None:
        """The embedded mark id, or None; tries the image's own size, then each known size."""
        y = luma(rgb)
        for size in candidate_sizes(rgb.shape[1], rgb.shape[0]):
            found = self._decode_luma(rescale(y, size))
            if found is not None:
                return found
        return None

    def _decode_luma(self, y: FloatArray) -> str | None:
        coefs = band_blocks(y)
        if coefs.shape[0] * coefs.shape[1] == 0:
            return None
        layout = self._layout(coefs.shape[0], coefs.shape[1])
        rows, cols = zip(*COEFFICIENTS, strict=True)
        phase = coefs[:, :, rows, cols] / self._step - layout.dither
        soft = np.cos(2 * np.pi * phase)  # +1 on the bit-0 lattice, -1 on the bit-1 lattice
        votes = np.bincount(layout.bit_index.ravel(), weights=soft.ravel(), minlength=PAYLOAD_BITS)
        # An unmarked image votes like noise of variance 1/2 per slot: |z| averages about 0.8.
        confidence = float(np.mean(np.abs(votes) / np.sqrt(0.5 * layout.counts)))
        if confidence < self._min_confidence:
            return None
        return decode_payload((votes < 0).astype(np.uint8), self._key)

    def _layout(self, rows: int, cols: int) -> _Layout:
        if (rows, cols) not in self._layouts:
            self._layouts[(rows, cols)] = make_layout(self._key, rows, cols)
        return self._layouts[(rows, cols)]


def make_layout(key: bytes, rows: int, cols: int) -> _Layout:
    """The keyed assignment of payload bits and dither to every slot of a rows x cols tile grid."""
    seed = hashlib.sha256(b"limner-watermark-layout" + key).digest()
    rng = np.random.default_rng(np.frombuffer(seed, dtype=np.uint64))
    slots = rows * cols * len(COEFFICIENTS)
    bit_index = rng.permutation(np.arange(slots) % PAYLOAD_BITS).reshape(rows, cols, -1)
    dither = rng.random(bit_index.shape, dtype=np.float32)
    counts = np.bincount(bit_index.ravel(), minlength=PAYLOAD_BITS).astype(np.float32)
    return _Layout(bit_index=bit_index, dither=dither, counts=np.maximum(counts, 1))


def candidate_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The image's own size first, then every known size with (nearly) the same aspect ratio."""
    sizes = [(width, height)] if min(tiled_shape(height, width)) > 0 else []
    aspect = width / height
    for known in KNOWN_SIZES:
        if known != (width, height) and abs(known[0] / known[1] / aspect - 1) <= ASPECT_TOLERANCE:
            sizes.append(known)
    return sizes


def rescale(y: FloatArray, size: tuple[int, int]) -> FloatArray:
    """Luma resampled to `size` (width, height) with bicubic interpolation; unchanged if it fits."""
    if (y.shape[1], y.shape[0]) == size:
        return y
    resized = Image.fromarray(y).resize(size, Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.float32)
