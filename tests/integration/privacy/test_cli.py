"""Integration tests: `limner privacy purge|hold|export|erase` on a real data dir (CliRunner)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def initialised(tmp_path: Path) -> tuple[Path, str]:
    data_dir = tmp_path / "data"
    code, out = invoke("init", "--data-dir", str(data_dir), "--json")
    assert code == 0, out
    return data_dir, json.loads(out)["admin_email"]


def test_erasing_the_last_admin_is_refused(initialised: tuple[Path, str]) -> None:
    data_dir, admin = initialised
    code, out = invoke("privacy", "erase", "--user", admin, "--yes", "--data-dir", str(data_dir))
    assert code == 1  # refused at run time, not a usage error
    assert "no active admin" in out


def test_purge_dry_run_json(initialised: tuple[Path, str]) -> None:
    data_dir, _ = initialised
    code, out = invoke("privacy", "purge", "--dry-run", "--json", "--data-dir", str(data_dir))
    report = json.loads(out)
    assert code == 0
    assert report["dry_run"] is True
    assert set(report["removed"]) == {
        "prompt_text", "revised_prompt", "images", "dlp_evidence", "audit_metadata", "usage_statistics",
    }  # fmt: skip


def test_hold_lifecycle_and_erase_refusal(initialised: tuple[Path, str]) -> None:
    data_dir, admin = initialised
    dd = ("--data-dir", str(data_dir))
    code, out = invoke("privacy", "hold", "add", "--user", admin, "--reason", "matter 9", "--json", *dd)
    assert code == 0, out
    hold_id = json.loads(out)["id"]
    code, out = invoke("privacy", "hold", "list", "--json", *dd)
    assert [h["id"] for h in json.loads(out)] == [hold_id]
    code, out = invoke("privacy", "erase", "--user", admin, "--yes", *dd)
    assert code == 1
    assert hold_id in out
    code, out = invoke("privacy", "hold", "release", hold_id, "--json", *dd)
    assert code == 0
    assert json.loads(out)["released_at"] is not None
    code, out = invoke("privacy", "hold", "list", "--json", *dd)
    assert json.loads(out) == []


def test_range_hold_needs_a_bound(initialised: tuple[Path, str]) -> None:
    data_dir, _ = initialised
    code, out = invoke("privacy", "hold", "add", "--reason", "x", "--data-dir", str(data_dir))
    assert code == 2
    assert "exactly one user, one group, or a time range" in out


def test_export_then_erase_then_export_again(initialised: tuple[Path, str], tmp_path: Path) -> None:
    data_dir, _ = initialised
    dd = ("--data-dir", str(data_dir))
    admin = "second@example.com"  # the first admin is the only one: erasing them would lock everyone out
    code, out = invoke("users", "create", "--email", admin, "--role", "admin", *dd)
    assert code == 0, out
    target = tmp_path / "export.zip"
    code, out = invoke("privacy", "export", "--user", admin, "--out", str(target), "--json", *dd)
    assert code == 0, out
    assert "README.txt" in zipfile.ZipFile(target).namelist()
    code, out = invoke("privacy", "erase", "--user", admin, "--yes", "--json", *dd)
    assert code == 0, out
    assert json.loads(out)["data_key_shredded"] is False  # the admin never generated anything
    again = tmp_path / "again.zip"
    code, out = invoke("privacy", "export", "--user", admin, "--out", str(again), *dd)
    assert code == 1
    assert "was erased on" in out
    assert not again.exists()
    code, out = invoke("audit", "verify", *dd)
    assert code == 0, out


def test_unknown_user_exits_1(initialised: tuple[Path, str]) -> None:
    data_dir, _ = initialised
    code, out = invoke(
        "privacy", "erase", "--user", "ghost@example.com", "--yes", "--data-dir", str(data_dir)
    )
    assert code == 1
    assert "no user with email ghost@example.com" in out


def test_erase_asks_for_confirmation(initialised: tuple[Path, str]) -> None:
    data_dir, admin = initialised
    result = runner.invoke(
        app, ["privacy", "erase", "--user", admin, "--data-dir", str(data_dir)], input="n\n"
    )
    assert result.exit_code == 1
    assert "not confirmed" in result.output
