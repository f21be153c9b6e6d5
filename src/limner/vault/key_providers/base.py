"""The KeyProvider contract: a key-encryption key (KEK) that wraps and unwraps data keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WrappedKey:
    kek_version: str
    ciphertext: bytes


class KeyProvider(Protocol):
    async def wrap(self, data_key: bytes, *, context: str) -> WrappedKey:
        """Encrypt `data_key` under the current KEK version; `context` is bound as associated data."""
        ...

    async def unwrap(self, wrapped: WrappedKey, *, context: str) -> bytes:
        """Decrypt a data key wrapped by any non-retired KEK version. Raise DecryptionError when the
        wrapped key or context was altered, ConfigError when the version is unknown."""
        ...

    async def rotate(self) -> str:
        """Create a new KEK version, make it current, and return its name."""
        ...

    async def retire(self, version: str) -> None:
        """Destroy a KEK version once nothing is wrapped under it any more."""
        ...

    async def current_version(self) -> str:
        """The KEK version new data keys are wrapped under."""
        ...

    async def versions(self) -> list[str]:
        """Every KEK version that can still unwrap (current included)."""
        ...

    # Per-person keys, kept in the key store and never in the database or blob store. Each data key is
    # sealed under its owner's key before the KEK wraps it, so destroying the owner's key (erasure)
    # makes every copy of the wrapped data key, in any database backup, useless.
    async def owner_seal(self, owner_id: str, data: bytes) -> bytes:
        """Encrypt under the owner's key in the key store, creating that key on first use."""
        ...

    async def owner_open(self, owner_id: str, sealed: bytes) -> bytes:
        """Decrypt under the owner's key; raise KeyDestroyedError once it was destroyed."""
        ...

    async def destroy_owner(self, owner_id: str) -> bool:
        """Destroy the owner's key in the key store (crypto-shredding); True if there was one."""
        ...
