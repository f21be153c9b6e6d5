"""Local key store (the embedded default): KEK versions in a 0600 JSON file, and one 0600 file per
person under owners/ beside it. It lives in a keys dir OUTSIDE the data dir, backed up apart from it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Literal, TypedDict

from pydantic import BaseModel, Field

from limner.errors import ConfigError
from limner.vault.crypto import KeyDestroyedError, new_key, open_sealed, owner_context, seal
from limner.vault.key_providers.base import WrappedKey


class KeyFile(TypedDict):
    current: str
    versions: dict[str, str]


class LocalKeyConfig(BaseModel):
    kind: Literal["local"] = "local"
    path: Path | None = Field(
        default=None, description="KEK file; default <data_dir>-keys/kek.json, beside (not in) the data dir"
    )


class LocalKeyProvider:
    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise ConfigError(f"key file {path} does not exist; run `limner init`")

    @staticmethod
    def create(path: Path) -> None:
        """Write a new key file with one KEK version; refuses to overwrite."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write({"current": "1", "versions": {"1": _b64(new_key())}}, path, exclusive=True)

    async def wrap(self, data_key: bytes, *, context: str) -> WrappedKey:
        state = _read(self.path)
        version = state["current"]
        kek = _key(state, version)
        return WrappedKey(version, seal(kek, data_key, aad=context.encode()))

    async def unwrap(self, wrapped: WrappedKey, *, context: str) -> bytes:
        kek = _key(_read(self.path), wrapped.kek_version)
        return open_sealed(kek, wrapped.ciphertext, aad=context.encode())

    async def rotate(self) -> str:
        state = _read(self.path)
        version = str(max(int(v) for v in state["versions"]) + 1)
        state["versions"][version] = _b64(new_key())
        state["current"] = version
        _write(state, self.path)
        return version

    async def retire(self, version: str) -> None:
        state = _read(self.path)
        if version == state["current"]:
            raise ConfigError("the current key version cannot be retired")
        state["versions"].pop(version, None)
        _write(state, self.path)

    async def current_version(self) -> str:
        return _read(self.path)["current"]

    async def versions(self) -> list[str]:
        return sorted(_read(self.path)["versions"], key=int)

    def _owner_path(self, owner_id: str) -> Path:
        digest = hashlib.sha256(owner_id.encode()).hexdigest()[:40]  # ids are not trusted as file names
        return self.path.parent / "owners" / f"{digest}.key"

    async def owner_seal(self, owner_id: str, data: bytes) -> bytes:
        path = self._owner_path(owner_id)
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # a concurrent request created it first: use theirs
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(new_key())
                    handle.flush()
                    os.fsync(handle.fileno())
        return seal(path.read_bytes(), data, aad=owner_context(owner_id))

    async def owner_open(self, owner_id: str, sealed: bytes) -> bytes:
        try:
            key = self._owner_path(owner_id).read_bytes()
        except FileNotFoundError as exc:
            raise KeyDestroyedError("the owner's key was destroyed") from exc
        return open_sealed(key, sealed, aad=owner_context(owner_id))

    async def destroy_owner(self, owner_id: str) -> bool:
        path = self._owner_path(owner_id)
        if not path.exists():
            return False
        with open(path, "r+b") as handle:  # overwrite before unlinking (best effort on the medium)
            handle.write(os.urandom(len(handle.read())))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
        return True


def _key(state: KeyFile, version: str) -> bytes:
    versions = state["versions"]
    if version not in versions:
        raise ConfigError(f"key-encryption key version {version} is not available")
    return base64.b64decode(versions[version])


def _read(path: Path) -> KeyFile:
    data: KeyFile = json.loads(path.read_text())
    return data


def _write(state: KeyFile, path: Path, *, exclusive: bool = False) -> None:
    tmp = path.with_suffix(".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    if exclusive and path.exists():
        raise ConfigError(f"{path} already exists")
    fd = os.open(tmp, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
