"""Integration tests: the KeyProvider contract, run against every member of KeyProviderConfig (local file,
in-memory fake, Vault transit through the loopback fake of tests/fakes/vault_transit.py)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

from limner.errors import ConfigError
from limner.vault.crypto import DecryptionError, KeyDestroyedError, new_key
from limner.vault.key_providers import KeyProvider, KeyProviderConfig, WrappedKey, build_key_provider
from limner.vault.key_providers.local import LocalKeyProvider
from tests.fakes.vault_transit import FakeVaultServer

CONFIGS = TypeAdapter[KeyProviderConfig](KeyProviderConfig)
KINDS = ["local", "memory", "vault_transit"]
CANARY = b"CANARY-data-key-0123456789abcdef"  # 32 bytes, so it is a valid data key


@pytest.fixture
def vault() -> Iterator[FakeVaultServer]:
    with FakeVaultServer() as server:
        yield server


def _config(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    if kind == "local":
        LocalKeyProvider.create(tmp_path / "kek.json")
        return {"kind": "local", "path": str(tmp_path / "kek.json")}
    if kind == "vault_transit":  # the loopback server starts only for the kind that needs it
        vault: FakeVaultServer = request.getfixturevalue("vault")
        return {"kind": kind, "url": vault.url, "token": "root-token", "key_name": "limner-contract"}
    return {"kind": kind}


@pytest.fixture(params=KINDS)
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> KeyProvider:
    config = CONFIGS.validate_python(_config(request.param, tmp_path, request))
    return build_key_provider(config, data_dir=tmp_path / "data")


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(KeyProviderConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == sorted(KINDS)


async def test_a_data_key_round_trips_under_its_context(provider: KeyProvider) -> None:
    key = new_key()
    wrapped = await provider.wrap(key, context="limner-data-key:u1")
    assert wrapped.kek_version == await provider.current_version()
    assert key not in wrapped.ciphertext
    assert await provider.unwrap(wrapped, context="limner-data-key:u1") == key


async def test_another_context_cannot_unwrap(provider: KeyProvider) -> None:
    wrapped = await provider.wrap(new_key(), context="limner-data-key:u1")
    with pytest.raises(DecryptionError):
        await provider.unwrap(wrapped, context="limner-data-key:u2")


async def test_a_tampered_wrapped_key_is_a_decryption_error(provider: KeyProvider) -> None:
    wrapped = await provider.wrap(new_key(), context="c")
    raw = wrapped.ciphertext
    flipped = raw[:-2] + (b"A" if raw[-2:-1] != b"A" else b"B") + raw[-1:]
    with pytest.raises(DecryptionError):
        await provider.unwrap(WrappedKey(wrapped.kek_version, flipped), context="c")


async def test_rotation_keeps_old_keys_unwrapping_until_retired(provider: KeyProvider) -> None:
    old = await provider.wrap(CANARY, context="c")
    new_version = await provider.rotate()
    assert new_version != old.kek_version
    assert await provider.current_version() == new_version
    assert await provider.versions() == [old.kek_version, new_version]
    assert await provider.unwrap(old, context="c") == CANARY
    assert (await provider.wrap(CANARY, context="c")).kek_version == new_version
    await provider.retire(old.kek_version)
    assert await provider.versions() == [new_version]
    with pytest.raises(ConfigError):
        await provider.unwrap(old, context="c")


async def test_the_current_version_cannot_be_retired(provider: KeyProvider) -> None:
    current = await provider.current_version()
    with pytest.raises(ConfigError, match="current"):
        await provider.retire(current)
    assert await provider.versions() == [current]


async def test_owner_data_round_trips_and_stays_with_its_owner(provider: KeyProvider) -> None:
    sealed = await provider.owner_seal("u1", CANARY)
    assert CANARY not in sealed
    assert await provider.owner_open("u1", sealed) == CANARY
    await provider.owner_seal("u2", b"other")
    with pytest.raises(DecryptionError):
        await provider.owner_open("u2", sealed)


async def test_a_tampered_owner_seal_is_refused(provider: KeyProvider) -> None:
    sealed = await provider.owner_seal("u1", CANARY)
    tampered = sealed[:-2] + (b"A" if sealed[-2:-1] != b"A" else b"B") + sealed[-1:]
    with pytest.raises(DecryptionError) as refused:
        await provider.owner_open("u1", tampered)
    assert not isinstance(refused.value, KeyDestroyedError)  # tampering is not an erasure


async def test_destroying_an_owner_key_shreds_only_that_owner(provider: KeyProvider) -> None:
    mine, theirs = await provider.owner_seal("u1", b"mine"), await provider.owner_seal("u2", b"theirs")
    assert await provider.destroy_owner("u1") is True
    with pytest.raises(KeyDestroyedError):
        await provider.owner_open("u1", mine)
    assert await provider.owner_open("u2", theirs) == b"theirs"
    assert await provider.destroy_owner("u1") is False
    assert await provider.destroy_owner("never-sealed") is False


async def test_an_owner_with_no_key_cannot_open_anything(provider: KeyProvider) -> None:
    sealed = await provider.owner_seal("u1", b"x")
    with pytest.raises(DecryptionError):
        await provider.owner_open("nobody", sealed)


async def test_key_material_never_reaches_the_logs(
    provider: KeyProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrapped = await provider.wrap(CANARY, context="c")
    await provider.unwrap(wrapped, context="c")
    await provider.owner_open("u1", await provider.owner_seal("u1", CANARY))
    await provider.rotate()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert CANARY.decode() not in logged
    assert base64.b64encode(CANARY).decode() not in logged


def test_a_local_provider_without_its_key_file_is_a_config_error(tmp_path: Path) -> None:
    config = CONFIGS.validate_python({"kind": "local", "path": str(tmp_path / "absent.json")})
    with pytest.raises(ConfigError, match="limner init"):
        build_key_provider(config, data_dir=tmp_path)
