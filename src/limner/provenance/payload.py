"""The watermark's 64-bit payload: a 48-bit mark id plus a 16-bit checksum, whitened with a key."""

from __future__ import annotations

import binascii
import hashlib
import re

import numpy as np
import numpy.typing as npt

ID_BITS = 48
PAYLOAD_BITS = 64
_HEX_ID = re.compile(r"[0-9a-f]{12,}")

BitArray = npt.NDArray[np.uint8]


def mark_id(image_id: str) -> str:
    """The 12-hex-digit id a watermark carries for `image_id`.

    Limner's ids are uuid4 hex, whose first 48 bits are random: the mark is that prefix, so a
    decoded mark finds the image by prefix. Other ids are hashed."""
    lowered = image_id.lower().replace("-", "")
    if _HEX_ID.fullmatch(lowered):
        return lowered[:12]
    return hashlib.sha256(image_id.encode()).hexdigest()[:12]


def _whitening(key: bytes) -> BitArray:
    digest = hashlib.sha256(b"limner-watermark-whitening" + key).digest()[: PAYLOAD_BITS // 8]
    return np.unpackbits(np.frombuffer(digest, dtype=np.uint8))


def _checksum(id_bytes: bytes) -> bytes:
    return binascii.crc_hqx(id_bytes, 0xFFFF).to_bytes(2, "big")


def encode_payload(mark: str, key: bytes) -> BitArray:
    """The 64 bits to embed for a 12-hex-digit mark id."""
    id_bytes = bytes.fromhex(mark)
    bits = np.unpackbits(np.frombuffer(id_bytes + _checksum(id_bytes), dtype=np.uint8))
    return bits ^ _whitening(key)


def decode_payload(bits: BitArray, key: bytes) -> str | None:
    """The mark id if the checksum holds, else None."""
    raw = np.packbits(bits ^ _whitening(key)).tobytes()
    id_bytes, check = raw[: ID_BITS // 8], raw[ID_BITS // 8 :]
    return id_bytes.hex() if _checksum(id_bytes) == check else None
