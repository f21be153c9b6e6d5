"""Integration tests: the CLI's conventions — version, a light --help, exit codes 0/1/2, --json errors
on stderr, tables with headers, the operator as the audit actor, checkpoints on demand."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner import __version__
from limner.cli.main import app
from tests.modes import cluster_environment

runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with cluster_environment():
        path = tmp_path_factory.mktemp("cli") / "data"
        code, _, err = invoke("init", "--data-dir", str(path), "--json")
        assert code == 0, err
        yield path


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert (code, out.strip()) == (0, f"limner {__version__}")


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['limner', '--help']\n"
        "from limner.cli.main import app\n"
        "try:\n    app()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "heavy = ['argon2', 'onnxruntime', 'sqlalchemy', 'fastapi', 'uvicorn', 'PIL', 'numpy', 'rich']\n"
        "print(code, [name for name in heavy if name in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Usage:" in done.stdout
    assert "users" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["users", "list"], 0, None),
        (["no-such-command"], 2, "usage_error"),
        (["keys", "create", "--role", "creator"], 2, "usage_error"),  # neither --user nor --service
        (["keys", "list", "--no-such-option"], 2, "usage_error"),
        (["audit", "search", "--since", "yesterday"], 2, "usage_error"),
        (["audit", "export", "--out", "-", "--format", "xml"], 2, "usage_error"),
        (["keys", "revoke", "key_missing"], 1, "failed"),
        (["users", "suspend", "nobody@example.com"], 1, "failed"),
        (["privacy", "erase", "--user", "nobody@example.com", "--yes"], 1, "failed"),
    ],
)
def test_exit_codes_and_json_errors(data_dir: Path, args: list[str], code: int, kind: str | None) -> None:
    got, out, err = invoke(*args, "--data-dir", str(data_dir), "--json")
    assert got == code, (out, err)
    if kind is None:
        json.loads(out)
        return
    error = json.loads(err.strip().splitlines()[-1])["error"]
    assert (error["type"], error["exit_code"]) == (kind, code)
    assert error["message"]
    plain_code, _, plain = invoke(*args, "--data-dir", str(data_dir))
    assert plain_code == code
    assert "error:" in plain


def test_missing_data_dir_is_a_failure(tmp_path: Path) -> None:
    code, _, err = invoke("users", "list", "--data-dir", str(tmp_path / "none"), "--json")
    assert code == 1
    assert "not an initialised Limner data dir" in json.loads(err)["error"]["message"]


def test_tables_have_headers_emails_names_and_expiry(data_dir: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    code, out, _ = invoke("users", "create", "--email", "ana@example.com", "--role", "creator", "--json", *dd)
    assert code == 0, out
    code, out, _ = invoke(
        "keys", "create", "--user", "ana@example.com", "--role", "creator", "--model", "limner-local",
        "--expires-days", "30", "--name", "ci-bot", "--json", *dd,
    )  # fmt: skip
    key_id = json.loads(out)["id"]
    _, users, _ = invoke("users", "list", *dd)
    assert users.splitlines()[0].split()[:4] == ["EMAIL", "KIND", "STATUS", "ROLES"]
    assert "ana@example.com" in users
    _, keys, _ = invoke("keys", "list", *dd)
    header, rows = keys.splitlines()[0], keys.splitlines()[1:]
    assert header.split() == ["ID", "OWNER", "NAME", "ROLES", "MODELS", "EXPIRES", "LAST", "USED", "STATE"]
    row = next(r for r in rows if r.startswith(key_id))
    for text in ("ana@example.com", "ci-bot", "limner-local", "active"):
        assert text in row
    code, out, _ = invoke("keys", "revoke", key_id, *dd)
    assert (code, out.strip()) == (0, f"revoked key {key_id}")
    code, out, _ = invoke("keys", "revoke", key_id, *dd)
    assert code == 0
    assert f"key {key_id} was already revoked on" in out


def test_cli_actions_are_audited_with_the_operator(data_dir: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    invoke("users", "create", "--email", "bo@example.com", "--role", "viewer", *dd)
    code, out, _ = invoke("audit", "search", "--action", "user.create", "--since", "1h", *dd)
    assert code == 0, out
    assert out.splitlines()[0].split() == ["SEQ", "AT", "ACTION", "OUTCOME", "ACTOR", "SUBJECT"]
    line = next(line for line in out.splitlines() if "bo@example.com" in line)
    assert "cli:" in line
    assert "@" in line.split("cli:")[1]


def test_checkpoint_on_demand_and_verify_says_when_the_next_is_due(tmp_path: Path) -> None:
    dd = ("--data-dir", str(tmp_path / "data"))
    assert invoke("init", *dd, "--json")[0] == 0
    code, out, _ = invoke("audit", "verify", *dd)
    assert code == 0, out
    assert "no checkpoint exists yet" in out
    assert "next checkpoint: automatically at event 1000" in out
    code, out, _ = invoke("audit", "checkpoint", "--json", *dd)
    assert code == 0, out
    made = json.loads(out)
    assert made["signature"]
    code, out, _ = invoke("audit", "verify", "--json", *dd)
    report = json.loads(out)
    assert (report["ok"], report["signed_checkpoints"], report["next_checkpoint_seq"]) == (True, 1, 1000)


def test_scan_streams_summarises_and_fails_on_bad_lines(tmp_path: Path) -> None:
    good = '{"id": 1, "text": "a red kite"}\n{"id": 2, "text": "mail ana.lopez@example.com"}\n'
    code, out, err = invoke("scan", "--input", "-", stdin=good)
    assert code == 0, err
    assert len(out.splitlines()) == 2
    assert "scanned 2 line(s): allow 1, redact 1; 0 failed" in err
    code, _, err = invoke("scan", "--input", "-", stdin=good + "not json\n")
    assert code == 1
    assert "line 3:" in err
    assert "; 1 failed" in err


def test_erasing_twice_says_when(tmp_path: Path) -> None:
    dd = ("--data-dir", str(tmp_path / "data"))
    assert invoke("init", *dd, "--json")[0] == 0
    invoke("users", "create", "--email", "cy@example.com", "--role", "viewer", *dd)
    assert invoke("privacy", "erase", "--user", "cy@example.com", "--yes", *dd)[0] == 0
    code, _, err = invoke("privacy", "erase", "--user", "cy@example.com", "--yes", *dd)
    assert code == 1
    assert "cy@example.com was already erased on 20" in err
