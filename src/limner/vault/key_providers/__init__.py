"""Key providers; `settings.vault.key_provider.kind` picks one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, assert_never

from pydantic import Field

from limner.vault.key_providers.base import KeyProvider, WrappedKey
from limner.vault.key_providers.local import LocalKeyConfig, LocalKeyProvider
from limner.vault.key_providers.memory import FakeKeyProvider, MemoryKeyConfig
from limner.vault.key_providers.vault_transit import VaultTransitConfig, VaultTransitKeyProvider

KeyProviderConfig = Annotated[
    LocalKeyConfig | MemoryKeyConfig | VaultTransitConfig, Field(discriminator="kind")
]


def build_key_provider(config: KeyProviderConfig, *, data_dir: Path) -> KeyProvider:
    match config:
        case LocalKeyConfig():
            return LocalKeyProvider(config.path or default_key_path(data_dir))
        case MemoryKeyConfig():
            return FakeKeyProvider()
        case VaultTransitConfig():
            return VaultTransitKeyProvider(config)
        case _:
            assert_never(config)


def default_key_path(data_dir: Path) -> Path:
    """<data_dir>-keys/kek.json: beside the data dir, never inside it, so a backup of the data holds
    no key. Data dirs made before the keys moved out keep <data_dir>/keys/kek.json."""
    legacy = data_dir / "keys" / "kek.json"
    return legacy if legacy.exists() else keys_dir_for(data_dir) / "kek.json"


def keys_dir_for(data_dir: Path) -> Path:
    resolved = data_dir.resolve()
    return resolved.parent / f"{resolved.name}-keys"


__all__ = ["KeyProvider", "KeyProviderConfig", "WrappedKey", "build_key_provider"]
