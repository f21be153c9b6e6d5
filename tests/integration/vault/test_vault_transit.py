"""Integration tests: the Vault transit key provider, through the real hvac client, against a loopback
fake of Vault's transit API (tests/fakes/vault_transit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from limner.components import build_components
from limner.errors import ConfigError, UnavailableError
from limner.vault.crypto import DecryptionError, KeyDestroyedError, new_key
from limner.vault.key_providers.base import WrappedKey
from limner.vault.key_providers.vault_transit import VaultTransitConfig, VaultTransitKeyProvider
from limner.vault.rotation import rotate_keys
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller
from tests.fakes.vault_transit import FakeVaultServer


@pytest.fixture
def vault() -> Iterator[FakeVaultServer]:
    with FakeVaultServer() as server:
        yield server


def _config(vault: FakeVaultServer, token: str = "root-token") -> VaultTransitConfig:
    return VaultTransitConfig(url=vault.url, token=SecretStr(token), key_name="limner-test")


async def test_wrap_unwrap_with_derived_context(vault: FakeVaultServer) -> None:
    provider = VaultTransitKeyProvider(_config(vault))
    key = new_key()
    wrapped = await provider.wrap(key, context="limner-data-key:u1")
    assert wrapped.kek_version == "1"
    assert wrapped.ciphertext.startswith(b"vault:v1:")
    assert await provider.unwrap(wrapped, context="limner-data-key:u1") == key
    with pytest.raises(DecryptionError):
        await provider.unwrap(wrapped, context="limner-data-key:u2")
    assert vault.vault.keys["limner-test"].derived


async def test_rotate_retire_and_versions(vault: FakeVaultServer) -> None:
    provider = VaultTransitKeyProvider(_config(vault))
    old = await provider.wrap(b"k" * 32, context="c")
    assert await provider.rotate() == "2"
    assert await provider.versions() == ["1", "2"]
    assert (await provider.wrap(b"k" * 32, context="c")).kek_version == "2"
    await provider.retire("1")
    assert await provider.versions() == ["2"]
    with pytest.raises(ConfigError, match="retired"):
        await provider.unwrap(old, context="c")
    with pytest.raises(ConfigError, match="current"):
        await provider.retire("2")


async def test_a_tampered_version_label_is_refused(vault: FakeVaultServer) -> None:
    provider = VaultTransitKeyProvider(_config(vault))
    wrapped = await provider.wrap(b"k" * 32, context="c")
    with pytest.raises(DecryptionError, match="version"):
        await provider.unwrap(WrappedKey("7", wrapped.ciphertext), context="c")


async def test_bad_token_and_vault_down_are_clear_errors(vault: FakeVaultServer) -> None:
    with pytest.raises(ConfigError, match="token"):
        await VaultTransitKeyProvider(_config(vault, token="wrong")).wrap(b"k" * 32, context="c")
    down = VaultTransitConfig(url="http://127.0.0.1:9", token=SecretStr("t"), timeout_s=1)
    with pytest.raises(UnavailableError, match="not reachable"):
        await VaultTransitKeyProvider(down).wrap(b"k" * 32, context="c")


def test_token_is_never_printed() -> None:
    config = VaultTransitConfig(url="http://127.0.0.1:1", token=SecretStr("hvs.secret"))
    assert "hvs.secret" not in repr(config)


async def test_generation_and_rotation_end_to_end(vault: FakeVaultServer, tmp_path: Path) -> None:
    from limner.main import create_app

    settings = make_settings(
        tmp_path / "data", vault={"key_provider": {"kind": "vault_transit", "url": vault.url,
                                                   "token": "root-token", "key_name": "limner-test"}},
        identity={"mfa": {"step_up_allows_api_keys": True}},
    )  # fmt: skip
    c = build_components(settings)
    try:
        await create_schema(c.engine)
        caller = await make_caller(c, roles=["admin"])
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            resp = await client.post(
                "/v1/images/generations",
                headers=caller.headers,
                json={"model": "limner-local", "prompt": "owl"},
            )
            assert resp.status_code == 200
            report = await rotate_keys(c.sessions, c.key_provider, actor_id=caller.user_id)
            assert (report.new_version, report.rewrapped, report.retired) == ("2", 1, ["1"])
            export = await client.post(
                "/v1/limner/privacy/exports", headers=caller.headers, json={"email": caller.email}
            )
            assert export.status_code == 200
        assert ("POST", "/v1/transit/decrypt/limner-test") in vault.vault.requests
    finally:
        await c.aclose()


async def test_owner_keys_are_separate_transit_keys_destroyed_on_erasure(vault: FakeVaultServer) -> None:
    provider = VaultTransitKeyProvider(_config(vault))
    sealed = await provider.owner_seal("u1", b"data key")
    other = await provider.owner_seal("u2", b"other key")
    assert sealed.startswith(b"vault:v1:")
    assert await provider.owner_open("u1", sealed) == b"data key"
    owner_keys = [name for name in vault.vault.keys if name.startswith("limner-test-owner-")]
    assert len(owner_keys) == 2
    assert not any(vault.vault.keys[name].derived for name in owner_keys)
    assert await provider.destroy_owner("u1") is True
    with pytest.raises(KeyDestroyedError):
        await provider.owner_open("u1", sealed)
    assert await provider.owner_open("u2", other) == b"other key"  # nobody else is touched
    assert await provider.destroy_owner("u1") is False
