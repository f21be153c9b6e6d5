"""HashiCorp Vault transit key provider: the KEK never leaves Vault; Limner sends data keys to wrap."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, SecretStr

from limner.errors import ConfigError, UnavailableError
from limner.vault.crypto import DecryptionError, KeyDestroyedError
from limner.vault.key_providers.base import WrappedKey

T = TypeVar("T")


class VaultTransitConfig(BaseModel):
    kind: Literal["vault_transit"] = "vault_transit"
    url: str = Field(description="Vault address, e.g. https://vault.example.com:8200")
    token: SecretStr = Field(description="A token allowed to use the transit key (not to read it)")
    mount: str = Field(default="transit", description="Where the transit engine is mounted")
    key_name: str = Field(default="limner", description="Name of the transit key (created derived)")
    ca_file: str | None = Field(default=None, description="CA bundle for Vault's certificate")
    timeout_s: float = Field(default=10.0, gt=0)


class VaultTransitKeyProvider:
    """Wrap = transit encrypt with the owner context (a derived key), unwrap = decrypt."""

    def __init__(self, config: VaultTransitConfig) -> None:
        try:
            import hvac
        except ImportError as exc:  # the optional extra
            raise ConfigError("the vault_transit key provider needs `pip install 'limner[vault]'`") from exc
        self.config = config
        self.client = hvac.Client(
            url=config.url,
            token=config.token.get_secret_value(),
            verify=config.ca_file or True,
            timeout=config.timeout_s,
        )
        self._ready = False
        self._owners: set[str] = set()

    @property
    def _transit(self) -> Any:
        return self.client.secrets.transit

    async def _call(self, fn: Callable[[], T], *, decrypting: bool = False) -> T:
        import hvac.exceptions as errors

        try:
            return await asyncio.to_thread(fn)
        except errors.InvalidRequest as exc:
            if decrypting:
                raise _decrypt_error(_first(exc)) from exc
            raise ConfigError(f"Vault transit rejected the request: {_first(exc)}") from exc
        except errors.Forbidden as exc:
            raise ConfigError("the Vault token may not use this transit key") from exc
        except (errors.VaultError, OSError) as exc:
            raise UnavailableError("Vault is not reachable") from exc
        except Exception as exc:  # requests' connection errors are not VaultErrors
            raise UnavailableError("Vault is not reachable") from exc

    async def _ensure_key(self) -> None:
        if not self._ready:
            c = self.config
            # Creating an existing key is a no-op in Vault; `derived` makes the context part of the key.
            await self._call(lambda: self._transit.create_key(c.key_name, derived=True, mount_point=c.mount))
            self._ready = True

    async def wrap(self, data_key: bytes, *, context: str) -> WrappedKey:
        await self._ensure_key()
        c = self.config
        response = await self._call(
            lambda: self._transit.encrypt_data(
                c.key_name, plaintext=_b64(data_key), context=_b64(context.encode()), mount_point=c.mount
            )
        )
        ciphertext: str = response["data"]["ciphertext"]
        return WrappedKey(kek_version=_version_of(ciphertext), ciphertext=ciphertext.encode())

    async def unwrap(self, wrapped: WrappedKey, *, context: str) -> bytes:
        c = self.config
        ciphertext = wrapped.ciphertext.decode()
        if _version_of(ciphertext) != wrapped.kek_version:
            raise DecryptionError("wrapped key version does not match its ciphertext")
        response = await self._call(
            lambda: self._transit.decrypt_data(
                c.key_name, ciphertext=ciphertext, context=_b64(context.encode()), mount_point=c.mount
            ),
            decrypting=True,
        )
        return base64.b64decode(response["data"]["plaintext"])

    async def _key_info(self) -> dict[str, Any]:
        await self._ensure_key()
        c = self.config
        response = await self._call(lambda: self._transit.read_key(c.key_name, mount_point=c.mount))
        data: dict[str, Any] = response["data"]
        return data

    async def rotate(self) -> str:
        await self._ensure_key()
        c = self.config
        await self._call(lambda: self._transit.rotate_key(c.key_name, mount_point=c.mount))
        return await self.current_version()

    async def retire(self, version: str) -> None:
        """Raise min_decryption_version past `version`, then trim: Vault destroys the old key material."""
        info = await self._key_info()
        if int(version) >= int(info["latest_version"]):
            raise ConfigError("the current key version cannot be retired")
        floor = max(int(info.get("min_decryption_version", 1)), int(version) + 1)
        c = self.config
        await self._call(
            lambda: self._transit.update_key_configuration(
                c.key_name, min_decryption_version=floor, min_encryption_version=0, mount_point=c.mount
            )
        )
        await self._call(lambda: self._transit.trim_key(c.key_name, min_version=floor, mount_point=c.mount))

    def _owner_key(self, owner_id: str) -> str:
        digest = hashlib.sha256(owner_id.encode()).hexdigest()[:40]
        return f"{self.config.key_name}-owner-{digest}"

    async def owner_seal(self, owner_id: str, data: bytes) -> bytes:
        """One transit key per person (not derived: deleting it must destroy exactly that person)."""
        c, name = self.config, self._owner_key(owner_id)
        if name not in self._owners:
            await self._call(lambda: self._transit.create_key(name, mount_point=c.mount))
            self._owners.add(name)
        response = await self._call(
            lambda: self._transit.encrypt_data(name, plaintext=_b64(data), mount_point=c.mount)
        )
        return str(response["data"]["ciphertext"]).encode()

    async def owner_open(self, owner_id: str, sealed: bytes) -> bytes:
        c, name = self.config, self._owner_key(owner_id)
        response = await self._call(
            lambda: self._transit.decrypt_data(name, ciphertext=sealed.decode(), mount_point=c.mount),
            decrypting=True,
        )
        return base64.b64decode(response["data"]["plaintext"])

    async def destroy_owner(self, owner_id: str) -> bool:
        """Allow deletion of the person's transit key, then delete it: Vault destroys the material."""
        c, name = self.config, self._owner_key(owner_id)
        try:
            await self._call(
                lambda: self._transit.update_key_configuration(
                    name, deletion_allowed=True, mount_point=c.mount
                )
            )
        except ConfigError:  # no such key: nothing was ever sealed for this person
            return False
        await self._call(lambda: self._transit.delete_key(name, mount_point=c.mount))
        self._owners.discard(name)
        return True

    async def current_version(self) -> str:
        return str((await self._key_info())["latest_version"])

    async def versions(self) -> list[str]:
        info = await self._key_info()
        floor = int(info.get("min_decryption_version", 1))
        return sorted((v for v in info["keys"] if int(v) >= floor), key=int)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _version_of(ciphertext: str) -> str:
    parts = ciphertext.split(":")
    if len(parts) != 3 or parts[0] != "vault" or not parts[1].startswith("v") or not parts[1][1:].isdigit():
        raise DecryptionError("not a Vault transit ciphertext")
    return parts[1][1:]


def _decrypt_error(message: str) -> Exception:
    """What a refused decrypt means, from Vault's message: a retired key version (the operator's doing),
    a deleted key (an erased person), or anything else, tampering included (the data's problem)."""
    if "too old" in message:
        return ConfigError("the key-encryption key version of this data key has been retired")
    if "key not found" in message:
        return KeyDestroyedError("the key is gone from Vault")
    return DecryptionError("Vault refused to unwrap the data key")


def _first(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    return str(errors[0]) if errors else type(exc).__name__
