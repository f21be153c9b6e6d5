"""Unit tests: the KeyProvider contract, offline providers (Vault transit: tests/integration/vault/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from limner.errors import ConfigError
from limner.vault.crypto import DecryptionError, new_key
from limner.vault.key_providers import KeyProvider, WrappedKey
from limner.vault.key_providers.local import LocalKeyProvider
from limner.vault.key_providers.memory import FakeKeyProvider


def _local(tmp: Path) -> KeyProvider:
    LocalKeyProvider.create(tmp / "kek.json")
    return LocalKeyProvider(tmp / "kek.json")


def _memory(_tmp: Path) -> KeyProvider:
    return FakeKeyProvider()


PROVIDERS = pytest.mark.parametrize("make", [_local, _memory], ids=["local", "memory"])


@PROVIDERS
async def test_wrap_unwrap_round_trip_binds_the_context(
    make: Callable[[Path], KeyProvider], tmp_path: Path
) -> None:
    provider = make(tmp_path)
    key = new_key()
    wrapped = await provider.wrap(key, context="owner-a")
    assert await provider.unwrap(wrapped, context="owner-a") == key
    with pytest.raises(DecryptionError):
        await provider.unwrap(wrapped, context="owner-b")
    tampered = WrappedKey(wrapped.kek_version, wrapped.ciphertext[:-1] + bytes([wrapped.ciphertext[-1] ^ 1]))
    with pytest.raises(DecryptionError):
        await provider.unwrap(tampered, context="owner-a")


@PROVIDERS
async def test_rotate_then_retire_old_version(make: Callable[[Path], KeyProvider], tmp_path: Path) -> None:
    provider = make(tmp_path)
    old = await provider.wrap(b"k" * 32, context="c")
    new_version = await provider.rotate()
    assert new_version != old.kek_version
    assert await provider.versions() == [old.kek_version, new_version]
    assert await provider.unwrap(old, context="c") == b"k" * 32
    assert (await provider.wrap(b"k" * 32, context="c")).kek_version == new_version
    await provider.retire(old.kek_version)
    assert await provider.versions() == [new_version]
    with pytest.raises(ConfigError, match="not available"):
        await provider.unwrap(old, context="c")


@PROVIDERS
async def test_current_version_cannot_be_retired(make: Callable[[Path], KeyProvider], tmp_path: Path) -> None:
    provider = make(tmp_path)
    with pytest.raises(ConfigError, match="current"):
        await provider.retire(await provider.current_version())
