"""AES-256-GCM primitives for envelope encryption: data keys encrypt blobs, a KEK wraps data keys."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from limner.errors import LimnerError

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = b"\x01"


class DecryptionError(LimnerError):
    """Ciphertext was altered, or the wrong key was used."""


class KeyDestroyedError(DecryptionError):
    """The owner's key was destroyed in the key store (the person was erased)."""


def owner_context(owner_id: str) -> bytes:
    return f"limner-owner-key:{owner_id}".encode()


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt and authenticate; `aad` binds the ciphertext to its owner and id."""
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != FORMAT_V1:
        raise DecryptionError("ciphertext is malformed")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc
