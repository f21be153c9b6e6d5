"""Unit tests: the AES-256-GCM envelope primitives (seal, open, the malformed and tampered cases)."""

from __future__ import annotations

import pytest

from limner.errors import LimnerError
from limner.vault.crypto import (
    FORMAT_V1,
    KEY_BYTES,
    NONCE_BYTES,
    DecryptionError,
    KeyDestroyedError,
    new_key,
    open_sealed,
    owner_context,
    seal,
)

KEY = b"k" * KEY_BYTES
AAD = b"owner:o1|blob:b1"
TAG_BYTES = 16


def test_new_keys_are_256_bit_and_fresh() -> None:
    first, second = new_key(), new_key()
    assert len(first) == len(second) == KEY_BYTES
    assert first != second


def test_seal_round_trips_and_uses_a_fresh_nonce_each_time() -> None:
    one, two = seal(KEY, b"secret image", aad=AAD), seal(KEY, b"secret image", aad=AAD)
    assert one != two
    assert one[:1] == two[:1] == FORMAT_V1
    assert len(one) == 1 + NONCE_BYTES + len(b"secret image") + TAG_BYTES
    assert open_sealed(KEY, one, aad=AAD) == open_sealed(KEY, two, aad=AAD) == b"secret image"


def test_empty_plaintext_round_trips() -> None:
    assert open_sealed(KEY, seal(KEY, b"", aad=AAD), aad=AAD) == b""


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


SEALED = seal(KEY, b"payload", aad=AAD)


@pytest.mark.parametrize(
    ("sealed", "key", "aad", "message"),
    [
        (b"", KEY, AAD, "malformed"),
        (FORMAT_V1 + b"\0" * (NONCE_BYTES + TAG_BYTES - 1), KEY, AAD, "malformed"),
        (b"\x02" + SEALED[1:], KEY, AAD, "malformed"),
        (_flip(SEALED, 1), KEY, AAD, "authentication"),
        (_flip(SEALED, len(SEALED) - 1), KEY, AAD, "authentication"),
        (_flip(SEALED, 1 + NONCE_BYTES), KEY, AAD, "authentication"),
        (SEALED, b"x" * KEY_BYTES, AAD, "authentication"),
        (SEALED, KEY, b"owner:o2|blob:b1", "authentication"),
        (FORMAT_V1 + b"\0" * (NONCE_BYTES + TAG_BYTES), KEY, AAD, "authentication"),
    ],
    ids=[
        "empty",
        "one-byte-short",
        "unknown-format",
        "nonce-flipped",
        "tag-flipped",
        "body-flipped",
        "wrong-key",
        "wrong-aad",
        "shortest-forged",
    ],
)
def test_altered_or_misused_ciphertext_raises_decryption_error(
    sealed: bytes, key: bytes, aad: bytes, message: str
) -> None:
    with pytest.raises(DecryptionError, match=message):
        open_sealed(key, sealed, aad=aad)


def test_decryption_errors_belong_to_the_error_tree() -> None:
    assert issubclass(DecryptionError, LimnerError)
    assert issubclass(KeyDestroyedError, DecryptionError)


@pytest.mark.parametrize(
    ("owner", "expected"),
    [("u1", b"limner-owner-key:u1"), ("", b"limner-owner-key:"), ("é", "limner-owner-key:é".encode())],
)
def test_owner_context_names_the_owner(owner: str, expected: bytes) -> None:
    assert owner_context(owner) == expected


def test_owner_contexts_differ_per_owner() -> None:
    assert owner_context("a") != owner_context("b")
