"""Unit tests for the watermark payload (mark id, checksum, whitening). Integration: none needed."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from limner.provenance.payload import PAYLOAD_BITS, decode_payload, encode_payload, mark_id

KEY = bytes(range(32))


def test_mark_id_is_the_uuid_hex_prefix() -> None:
    assert mark_id("3F2A9C1E7B5D4E6F8A0B1C2D3E4F5A6B") == "3f2a9c1e7b5d"
    assert mark_id("3f2a9c1e-7b5d-4e6f-8a0b-1c2d3e4f5a6b") == "3f2a9c1e7b5d"


def test_mark_id_hashes_ids_that_are_not_hex() -> None:
    mark = mark_id("img_42")
    assert len(mark) == 12
    assert mark != mark_id("img_43")
    int(mark, 16)


@given(st.binary(min_size=6, max_size=6))
def test_payload_round_trips(id_bytes: bytes) -> None:
    bits = encode_payload(id_bytes.hex(), KEY)
    assert bits.shape == (PAYLOAD_BITS,)
    assert decode_payload(bits, KEY) == id_bytes.hex()


@given(st.binary(min_size=6, max_size=6), st.integers(0, PAYLOAD_BITS - 1))
def test_any_single_bit_error_is_rejected(id_bytes: bytes, position: int) -> None:
    bits = encode_payload(id_bytes.hex(), KEY)
    bits[position] ^= 1
    assert decode_payload(bits, KEY) is None


def test_payload_depends_on_the_key() -> None:
    mark = "0123456789ab"
    assert not np.array_equal(encode_payload(mark, KEY), encode_payload(mark, b"other-key" * 4))
    assert decode_payload(encode_payload(mark, KEY), b"other-key" * 4) != mark
