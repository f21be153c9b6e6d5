"""Integration tests: `limner init`, `users` and `keys` through Typer's CliRunner on a real data dir."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.cli.main import app
from limner.settings import load_settings
from tests.modes import current_mode, run_sql

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def initialised(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path / "data"
    code, out = invoke("init", "--data-dir", str(data_dir), "--json")
    assert code == 0, out
    return data_dir, json.loads(out)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_private_data_dir_and_prints_credentials_once(
    initialised: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = initialised
    assert set(creds) == {"url", "admin_email", "admin_password", "api_key", "data_dir", "keys_dir"}
    assert creds["api_key"].startswith("lmn_")
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "config.toml") == 0o600
    # The key store sits beside the data dir, never in it: a backup of the data holds no key.
    keys_dir = Path(creds["keys_dir"])
    assert keys_dir == data_dir.resolve().parent / "data-keys"
    assert mode(keys_dir) == 0o700
    assert mode(keys_dir / "kek.json") == 0o600
    assert not (data_dir / "keys" / "kek.json").exists()
    # The database (SQLite in the data dir, or the configured one) is migrated and holds the admin.
    assert run_sql(load_settings(data_dir).database_url, "SELECT count(*) FROM users") == [(1,)]
    assert (data_dir / "limner.db").exists() == (current_mode() == "embedded")
    assert not [p for p in data_dir.parent.iterdir() if p.name.startswith(".data.init-")]


def test_init_refuses_an_existing_data_dir(initialised: tuple[Path, dict[str, str]]) -> None:
    data_dir, _ = initialised
    code, out = invoke("init", "--data-dir", str(data_dir))
    assert code == 1
    assert "refusing to overwrite" in out


def test_users_and_keys_lifecycle(initialised: tuple[Path, dict[str, str]]) -> None:
    data_dir = str(initialised[0])
    code, out = invoke(
        "users", "create", "--email", "Ana@Example.com", "--role", "creator", "--data-dir", data_dir, "--json"
    )
    assert code == 0, out
    assert json.loads(out)["email"] == "ana@example.com"
    code, out = invoke("users", "list", "--data-dir", data_dir, "--json")
    assert sorted(u["email"] for u in json.loads(out)) == ["admin@limner.local", "ana@example.com"]
    code, out = invoke(
        "keys",
        "create",
        "--user",
        "ana@example.com",
        "--role",
        "creator",
        "--expires-days",
        "30",
        "--data-dir",
        data_dir,
        "--json",
    )
    key = json.loads(out)
    assert key["api_key"].startswith("lmn_")
    code, out = invoke(
        "keys", "create", "--service", "ci-bot", "--role", "creator", "--data-dir", data_dir, "--json"
    )
    assert code == 0, out
    code, out = invoke("keys", "list", "--data-dir", data_dir, "--json")
    listed = json.loads(out)
    assert len(listed) == 3
    assert key["api_key"] not in out
    code, out = invoke("keys", "revoke", key["id"], "--data-dir", data_dir, "--json")
    assert code == 0
    assert json.loads(out)["revoked_at"] is not None


@pytest.mark.parametrize(
    ("args", "message", "exit_code"),
    [
        (("users", "create", "--email", "x@example.com", "--role", "wizard"), "unknown role", 2),
        (("users", "create", "--email", "not-an-email", "--role", "creator"), "not an email", 2),
        (("keys", "create", "--user", "nobody@example.com", "--role", "creator"), "no user", 1),
        (("keys", "create", "--role", "creator"), "exactly one of", 2),
        (
            ("keys", "create", "--user", "admin@limner.local", "--role", "scim"),
            "roles its owner does not have",
            2,
        ),
        (("keys", "revoke", "nope"), "no API key", 1),
    ],
)
def test_cli_errors_are_readable_with_exit_codes_1_and_2(
    initialised: tuple[Path, dict[str, str]], args: tuple[str, ...], message: str, exit_code: int
) -> None:
    code, out = invoke(*args, "--data-dir", str(initialised[0]))
    assert code == exit_code
    assert message in out
    assert "Traceback" not in out


def test_commands_refuse_an_uninitialised_dir(tmp_path: Path) -> None:
    code, out = invoke("users", "list", "--data-dir", str(tmp_path / "missing"))
    assert code == 1
    assert "limner init" in out
