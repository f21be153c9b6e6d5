"""In-memory key provider for tests: same contract as the local file, nothing on disk."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from limner.errors import ConfigError
from limner.vault.crypto import KeyDestroyedError, new_key, open_sealed, owner_context, seal
from limner.vault.key_providers.base import WrappedKey


class MemoryKeyConfig(BaseModel):
    kind: Literal["memory"] = "memory"


class FakeKeyProvider:
    def __init__(self) -> None:
        self.keks: dict[str, bytes] = {"1": new_key()}
        self.current = "1"
        self.owner_keys: dict[str, bytes] = {}

    async def wrap(self, data_key: bytes, *, context: str) -> WrappedKey:
        return WrappedKey(self.current, seal(self.keks[self.current], data_key, aad=context.encode()))

    async def unwrap(self, wrapped: WrappedKey, *, context: str) -> bytes:
        if wrapped.kek_version not in self.keks:
            raise ConfigError(f"key-encryption key version {wrapped.kek_version} is not available")
        kek = self.keks[wrapped.kek_version]
        return open_sealed(kek, wrapped.ciphertext, aad=context.encode())

    async def rotate(self) -> str:
        self.current = str(max(int(v) for v in self.keks) + 1)
        self.keks[self.current] = new_key()
        return self.current

    async def retire(self, version: str) -> None:
        if version == self.current:
            raise ConfigError("the current key version cannot be retired")
        self.keks.pop(version, None)

    async def current_version(self) -> str:
        return self.current

    async def versions(self) -> list[str]:
        return sorted(self.keks, key=int)

    async def owner_seal(self, owner_id: str, data: bytes) -> bytes:
        key = self.owner_keys.setdefault(owner_id, new_key())
        return seal(key, data, aad=owner_context(owner_id))

    async def owner_open(self, owner_id: str, sealed: bytes) -> bytes:
        if owner_id not in self.owner_keys:
            raise KeyDestroyedError("the owner's key was destroyed")
        return open_sealed(self.owner_keys[owner_id], sealed, aad=owner_context(owner_id))

    async def destroy_owner(self, owner_id: str) -> bool:
        return self.owner_keys.pop(owner_id, None) is not None
