"""Integration tests: the admin verbs `groups`, `training`, `vault`, `usage`, `report` and `db` through
Typer's CliRunner on one real data dir: what they print, and the exit codes of wrong invocations (2)
and refusals (1)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from limner.cli.main import app
from tests.modes import cluster_environment

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> Any:
    code, out, err = invoke(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with cluster_environment():
        path = tmp_path_factory.mktemp("admin") / "data"
        code, _, err = invoke("init", "--data-dir", str(path), "--json")
        assert code == 0, err
        for email in ("grace@example.com", "linus@example.com"):
            code, _, err = invoke(
                "users", "create", "--email", email, "--role", "viewer", "--data-dir", str(path)
            )
            assert code == 0, err
        yield path


def test_a_group_is_created_given_roles_and_members_then_deleted(data_dir: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    created = ok_json("groups", "create", "design", "--role", "creator", *dd)
    assert (created["name"], created["roles"]) == ("design", ["creator"])
    assert ok_json("groups", "set-roles", "design", "--role", "reviewer", *dd)["roles"] == ["reviewer"]
    added = ok_json("groups", "add-member", "design", "grace@example.com", *dd)
    assert added == {"group": "design", "members": ["grace@example.com"]}
    listed = ok_json("groups", "list", *dd)
    assert [(g["name"], g["roles"], g["members"]) for g in listed] == [
        ("design", ["reviewer"], ["grace@example.com"])
    ]
    code, out, _ = invoke("groups", "remove-member", "design", "grace@example.com", *dd)
    assert (code, out.strip()) == (0, "design: no members")
    code, out, _ = invoke("groups", "delete", "design", *dd)
    assert (code, out.strip()) == (0, "deleted group design")
    code, out, _ = invoke("groups", "list", *dd)
    assert (code, out.strip()) == (0, "no groups")


def test_group_human_output_names_the_group_and_its_roles(data_dir: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    code, out, _ = invoke("groups", "create", "legal", "--role", "viewer", *dd)
    assert (code, out.strip()) == (0, "created group legal")
    code, out, _ = invoke("groups", "set-roles", "legal", *dd)
    assert (code, out.strip()) == (0, "group legal now gives roles []")
    code, out, _ = invoke("groups", "list", *dd)
    assert "legal" in out
    assert "members=[]" in out
    assert invoke("groups", "delete", "legal", *dd)[0] == 0


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (("groups", "delete", "no-such-group"), 1),
        (("groups", "add-member", "no-such-group", "grace@example.com"), 1),
        (("groups", "set-roles", "no-such-group", "--role", "viewer"), 1),
        (("groups", "create", "bad-roles", "--role", "emperor"), 2),
    ],
)
def test_group_refusals_and_bad_roles_are_readable(
    data_dir: Path, args: tuple[str, ...], exit_code: int
) -> None:
    code, out, err = invoke(*args, "--data-dir", str(data_dir))
    assert code == exit_code, out
    assert err.startswith("error: ") or "\nerror: " in err
    assert "Traceback" not in err


def test_adding_an_unknown_person_to_a_group_is_refused(data_dir: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    assert invoke("groups", "create", "ops", *dd)[0] == 0
    code, _, err = invoke("groups", "add-member", "ops", "nobody@example.com", *dd)
    assert code == 1
    assert "error:" in err
    assert invoke("groups", "delete", "ops", *dd)[0] == 0


@pytest.mark.parametrize(
    "choice",
    [(), ("--all", "--module", "basics")],
    ids=["neither", "both"],
)
def test_training_record_needs_exactly_one_of_module_or_all(data_dir: Path, choice: tuple[str, ...]) -> None:
    code, _, err = invoke(
        "training", "record", "--user", "grace@example.com", *choice, "--data-dir", str(data_dir)
    )
    assert code == 2
    assert "give exactly one of --module ID or --all" in err


def test_training_is_recorded_and_reported_as_json_and_csv(data_dir: Path, tmp_path: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    recorded = ok_json("training", "record", "--user", "linus@example.com", "--all", *dd)
    assert recorded["email"] == "linus@example.com"
    report = ok_json("training", "report", *dd)
    rows = {row["email"]: row for row in report["rows"]}
    assert rows["linus@example.com"]["complete"] is True
    assert rows["grace@example.com"]["complete"] is False
    out = tmp_path / "training.csv"
    code, text, _ = invoke("training", "report", "--csv", str(out), *dd)
    assert code == 0
    assert "linus@example.com: complete" in text
    assert f"{report['complete']} of {report['total']} people complete" in text
    emails = [row["email"] for row in csv.DictReader(io.StringIO(out.read_text()))]
    assert "linus@example.com" in emails


def test_training_report_refuses_to_overwrite_a_file(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept.csv"
    out.write_text("keep me")
    code, _, err = invoke("training", "report", "--csv", str(out), "--data-dir", str(data_dir))
    assert code == 1
    assert "already exists; refusing to overwrite it" in err
    assert out.read_text() == "keep me"


def test_training_for_an_unknown_person_is_refused(data_dir: Path) -> None:
    code, _, err = invoke(
        "training", "record", "--user", "ghost@example.com", "--all", "--data-dir", str(data_dir)
    )
    assert code == 1
    assert "error:" in err


def test_vault_rotation_rewraps_the_data_keys_under_a_new_version(data_dir: Path) -> None:
    first = ok_json("vault", "rotate", "--data-dir", str(data_dir))
    code, out, _ = invoke("vault", "rotate", "--data-dir", str(data_dir))
    assert code == 0
    assert out.startswith("KEK version ")
    assert "data keys re-wrapped; retired" in out
    assert out.split()[2].rstrip(":") != str(first["new_version"])


def test_vault_sweep_on_a_clean_data_dir_deletes_nothing(data_dir: Path) -> None:
    code, out, _ = invoke("vault", "sweep", "--older-than-s", "0", "--data-dir", str(data_dir))
    assert (code, out.strip()) == (0, "deleted 0 orphan blobs; failed 0 stuck generations")


def test_vault_sweep_refuses_a_negative_grace_period(data_dir: Path) -> None:
    code, _, err = invoke("vault", "sweep", "--older-than-s", "-1", "--data-dir", str(data_dir))
    assert code == 2
    assert "--older-than-s" in err


def test_usage_by_an_unknown_dimension_is_a_usage_error(data_dir: Path) -> None:
    code, _, err = invoke("usage", "--by", "planet", "--data-dir", str(data_dir))
    assert code == 2
    assert "--by must be one of user" in err


@pytest.mark.parametrize("by", ["user", "group", "model", "key", "day"])
def test_usage_with_no_images_says_so_in_every_format(data_dir: Path, by: str) -> None:
    dd = ("--by", by, "--since", "7d", "--data-dir", str(data_dir))
    code, out, _ = invoke("usage", *dd)
    assert (code, out.strip()) == (0, "no usage in this period")
    assert ok_json("usage", *dd) == []
    code, out, _ = invoke("usage", "--csv", *dd)
    assert code == 0
    assert out.splitlines()[0].split(",")[:4] == ["key", "requests", "images", "cost_usd"]


def test_daily_usage_csv_has_a_day_column(data_dir: Path) -> None:
    code, out, _ = invoke("usage", "--by", "key", "--daily", "--csv", "--data-dir", str(data_dir))
    assert code == 0
    assert out.splitlines()[0].split(",")[:2] == ["key", "day"]


def test_usage_refuses_a_since_it_cannot_read(data_dir: Path) -> None:
    code, _, err = invoke("usage", "--since", "last tuesday", "--data-dir", str(data_dir))
    assert code == 2
    assert "error:" in err


def test_report_writes_one_html_file(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, text, _ = invoke("report", "--out", str(out), "--period", "30d", "--data-dir", str(data_dir))
    assert (code, text.strip()) == (0, f"wrote {out}")
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")


def test_report_refuses_a_period_without_a_unit(data_dir: Path, tmp_path: Path) -> None:
    code, _, err = invoke(
        "report", "--out", str(tmp_path / "r.html"), "--period", "week", "--data-dir", str(data_dir)
    )
    assert code == 2
    assert "--period takes a number and a unit (d, h, m), e.g. 7d; got 'week'" in err
    assert not (tmp_path / "r.html").exists()


def test_report_into_a_missing_folder_is_a_readable_failure(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "r.html"
    code, _, err = invoke("report", "--out", str(out), "--data-dir", str(data_dir))
    assert code == 1
    assert f"cannot write {out}" in err


def test_db_upgrade_on_a_migrated_data_dir_is_a_no_op(data_dir: Path) -> None:
    code, out, _ = invoke("db", "upgrade", "--data-dir", str(data_dir))
    assert (code, out.strip()) == (0, "database is at head")


def test_db_upgrade_refuses_an_uninitialised_dir(tmp_path: Path) -> None:
    code, _, err = invoke("db", "upgrade", "--data-dir", str(tmp_path / "nothing"))
    assert code == 1
    assert "is not an initialised Limner data dir" in err
