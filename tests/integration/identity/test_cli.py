"""Integration: `limner users suspend|activate|set-roles|reset-link`, `keys rotate` and `groups`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.cli import groups as groups_cli
from limner.cli.main import app

runner = CliRunner()


def invoke(*args: str, target: object = app) -> dict[str, object]:
    result = runner.invoke(target, [*args])  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output)
    return parsed


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    result = runner.invoke(app, ["init", "--data-dir", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return path


def test_suspend_activate_and_set_roles(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir), "--json"]
    invoke("users", "create", "--email", "eve@example.com", "--role", "creator", *d)
    assert invoke("users", "suspend", "eve@example.com", *d)["status"] == "suspended"
    assert invoke("users", "activate", "eve@example.com", *d)["status"] == "active"
    assert invoke("users", "set-roles", "eve@example.com", "--role", "viewer", "--role", "reviewer", *d)[
        "roles"
    ] == [
        "reviewer",
        "viewer",
    ]
    link = invoke("users", "reset-link", "eve@example.com", *d)
    assert "#token=" in str(link["url"])
    assert invoke("users", "deprovision", "eve@example.com", *d)["status"] == "deprovisioned"
    bad = runner.invoke(app, ["users", "suspend", "nobody@example.com", *d])
    assert bad.exit_code == 1
    assert "no user" in bad.output


def test_keys_rotate(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir), "--json"]
    created = invoke("keys", "create", "--service", "ci", "--role", "creator", *d)
    rotated = invoke("keys", "rotate", str(created["id"]), *d)
    assert rotated["replaces"] == created["id"]
    assert rotated["api_key"] != created["api_key"]
    listing = runner.invoke(app, ["keys", "list", *d])
    rows = {r["id"]: r for r in json.loads(listing.output)}
    assert rows[str(created["id"])]["revoked_at"] is not None
    assert rows[str(rotated["id"])]["revoked_at"] is None


def test_groups_commands(data_dir: Path) -> None:
    d = ["--data-dir", str(data_dir), "--json"]
    invoke("users", "create", "--email", "gus@example.com", "--role", "viewer", *d)
    assert invoke("create", "Design", "--role", "creator", *d, target=groups_cli.app)["roles"] == ["creator"]
    members = invoke("add-member", "Design", "gus@example.com", *d, target=groups_cli.app)
    assert members["members"] == ["gus@example.com"]
    assert invoke("set-roles", "Design", "--role", "reviewer", *d, target=groups_cli.app)["roles"] == [
        "reviewer"
    ]
    listed = runner.invoke(groups_cli.app, ["list", *d])
    assert json.loads(listed.output)[0]["members"] == ["gus@example.com"]
    assert invoke("remove-member", "Design", "gus@example.com", *d, target=groups_cli.app)["members"] == []
    assert invoke("delete", "Design", *d, target=groups_cli.app) == {"deleted": "Design"}
