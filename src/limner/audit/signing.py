"""Checkpoint signing: an Ed25519 key held beside the key provider's KEKs (a 0600 file for local keys)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from limner.errors import ConfigError
from limner.vault.config import KeyProviderConfig, MemoryKeyConfig

SIGNING_KEY_FILE = "audit-signing.pem"


class CheckpointSigner(Protocol):
    def sign(self, message: bytes) -> bytes:
        """Sign `message` with the private key; never expose the key itself."""
        ...

    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key, for verifiers outside Limner."""
        ...


def checkpoint_message(seq: int, head_hash: str, at_iso: str) -> bytes:
    return f"limner-audit-checkpoint\n{seq}\n{head_hash}\n{at_iso}".encode()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def verify_signature(public_key: bytes, message: bytes, signature_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def create_audit_signing_key(data_dir: Path) -> Path:
    """Write <data_dir>/keys/audit-signing.pem (0600) unless it exists; `limner init` calls this."""
    path = data_dir / "keys" / SIGNING_KEY_FILE
    if path.exists():
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


class FileCheckpointSigner:
    """Loads the PEM key on first use and creates it then if `limner init` did not."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._key: Ed25519PrivateKey | None = None

    def _load(self) -> Ed25519PrivateKey:
        if self._key is None:
            pem = create_audit_signing_key(self.data_dir).read_bytes()
            key = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ConfigError("the audit signing key is not an Ed25519 key")
            self._key = key
        return self._key

    def sign(self, message: bytes) -> bytes:
        return self._load().sign(message)

    def public_key(self) -> bytes:
        return (
            self._load().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )


class FakeCheckpointSigner:
    """In-memory Ed25519 key for tests."""

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def build_checkpoint_signer(config: KeyProviderConfig, *, data_dir: Path) -> CheckpointSigner:
    if isinstance(config, MemoryKeyConfig):
        return FakeCheckpointSigner()
    return FileCheckpointSigner(data_dir)
