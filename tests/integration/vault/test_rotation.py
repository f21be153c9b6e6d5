"""Integration tests: `limner vault rotate` re-wraps data keys, keeps data readable, retires old KEKs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from limner.audit.models import AuditEvent
from limner.cli.main import app
from limner.components import Components
from limner.settings import Settings
from limner.vault.crypto import new_key
from limner.vault.models import DataKey
from limner.vault.rotation import retire_unused, rotate_keys
from limner.vault.service import existing_data_key
from tests.conftest import make_settings
from tests.factories import Caller

GEN = "/v1/images/generations"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The export below uses an admin API key: let keys pass the step-up (tested in the authz matrix)."""
    return make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": True}})


async def _generate(client: httpx.AsyncClient, caller: Caller) -> str:
    resp = await client.post(GEN, headers=caller.headers, json={"model": "limner-local", "prompt": "a fox"})
    assert resp.status_code == 200
    return str(resp.json()["data"][0]["b64_json"])


async def test_rotation_rewraps_every_data_key_and_blobs_stay_readable(
    client: httpx.AsyncClient, components: Components, creator: Caller, admin: Caller
) -> None:
    await _generate(client, creator)
    await _generate(client, admin)
    blobs_before = {k: await components.blob_store.get(k) for k in await components.blob_store.keys()}
    report = await rotate_keys(components.sessions, components.key_provider, actor_id=admin.user_id)
    assert (report.new_version, report.rewrapped, report.retired) == ("2", 2, ["1"])
    assert await components.key_provider.versions() == ["2"]
    async with components.sessions() as session:
        assert set((await session.execute(select(DataKey.kek_version))).scalars()) == {"2"}
        actions = list((await session.execute(select(AuditEvent.action))).scalars())
    assert {"vault.key.rotated", "vault.key.retired"} <= set(actions)
    assert {k: await components.blob_store.get(k) for k in blobs_before} == blobs_before  # not re-encrypted
    export = await client.post(
        "/v1/limner/privacy/exports", headers=admin.headers, json={"email": creator.email}
    )  # decrypts prompts and images with the re-wrapped key
    assert export.status_code == 200


async def test_a_crash_before_retiring_is_finished_by_the_next_run(components: Components) -> None:
    await components.key_provider.rotate()  # as if a rotation died after creating version 2
    assert await retire_unused(components.sessions, components.key_provider, actor_id=None, keep="2") == ["1"]


def test_cli_rotate_json(tmp_path: Path) -> None:
    runner = CliRunner()
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["init", "--data-dir", str(data_dir), "--json"]).exit_code == 0
    result = runner.invoke(app, ["vault", "rotate", "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"new_version": "2", "rewrapped": 0, "retired": ["1"]}
    keyfile = json.loads((tmp_path / "data-keys" / "kek.json").read_text())
    assert (keyfile["current"], list(keyfile["versions"])) == ("2", ["2"])


async def test_rotation_seals_data_keys_from_before_owner_keys(components: Components) -> None:
    """The upgrade path: rows written before per-owner keys get the owner layer at `vault rotate`,
    without re-encrypting any blob; erasing the owner then makes their old wrapped key useless."""
    provider = components.key_provider
    key = new_key()
    wrapped = await provider.wrap(key, context="limner-data-key:legacy-owner")
    async with components.sessions.begin() as session:
        session.add(
            DataKey(owner_id="legacy-owner", kek_version=wrapped.kek_version, wrapped=wrapped.ciphertext)
        )
    async with components.sessions() as session:
        assert await existing_data_key(session, provider, owner_id="legacy-owner") == key
    report = await rotate_keys(components.sessions, components.key_provider, actor_id=None)
    assert report.rewrapped == 1
    async with components.sessions() as session:
        row = await session.get(DataKey, "legacy-owner")
        assert row is not None
        assert row.owner_sealed
        assert await existing_data_key(session, provider, owner_id="legacy-owner") == key
    assert await provider.destroy_owner("legacy-owner")
    async with components.sessions() as session:
        assert await existing_data_key(session, provider, owner_id="legacy-owner") is None
