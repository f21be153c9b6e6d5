"""Unit tests: the root command's lazy group (help lists every verb without importing it, unknown verbs
are usage errors, Ctrl-C is a failure), error reporting in both formats, and the pure helpers behind
`serve --workers` and the usage table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from limner.cli.errors import EXIT_FAILURE, EXIT_USAGE, json_errors, report_error
from limner.cli.main import COMMANDS, LazyGroup, app
from limner.cli.serve import TLS_VARIABLE, worker_environment
from limner.cli.usage import COLUMNS, _csv, _table
from tests.conftest import make_settings

runner = CliRunner()


def test_help_lists_every_verb_with_its_one_line_summary() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name, (_, _, summary) in COMMANDS.items():
        assert name in result.stdout
        assert summary.split(".")[0][:30] in " ".join(result.stdout.split())


def test_the_group_finds_commands_by_name_only() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    context = typer.Context(group)
    assert group.list_commands(context) == list(COMMANDS)
    assert group.get_command(context, "no-such-verb") is None
    command = group.get_command(context, "verify")
    assert command is not None
    assert command.name == "verify"


def test_an_unknown_verb_is_a_usage_error_with_the_usage_line() -> None:
    result = runner.invoke(app, ["paint"])
    assert result.exit_code == EXIT_USAGE
    assert "Usage:" in result.stderr
    assert "--help' for help." in result.stderr
    assert "error: No such command 'paint'." in result.stderr


def test_without_standalone_mode_click_reports_its_own_exceptions() -> None:
    group = typer.main.get_command(app)
    with pytest.raises(Exception, match="No such command 'paint'") as raised:
        group.main(["paint"], standalone_mode=False)
    assert type(raised.value).__name__ == "UsageError"  # Click's own, not turned into an exit


def test_an_aborted_command_exits_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def abort(*_: object, **__: object) -> None:
        raise typer.Abort()

    monkeypatch.setattr("limner.cli.common.load_settings", abort)
    (tmp_path / "config.toml").write_text("")
    result = runner.invoke(app, ["users", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.strip() == "error: aborted"


def test_other_exceptions_are_not_swallowed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def explode(*_: object, **__: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr("limner.cli.common.load_settings", explode)
    (tmp_path / "config.toml").write_text("")
    result = runner.invoke(app, ["users", "list", "--data-dir", str(tmp_path)])
    assert isinstance(result.exception, KeyError)


@pytest.mark.parametrize(("code", "kind"), [(EXIT_FAILURE, "failed"), (EXIT_USAGE, "usage_error")])
def test_errors_are_json_on_stderr_when_asked(
    capsys: pytest.CaptureFixture[str], code: int, kind: str
) -> None:
    with json_errors(True), pytest.raises(SystemExit) as exited:
        report_error("went wrong", code)
    assert exited.value.code == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err) == {"error": {"message": "went wrong", "type": kind, "exit_code": code}}


def test_plain_errors_are_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        report_error("went wrong", EXIT_FAILURE)
    assert exited.value.code == EXIT_FAILURE
    assert capsys.readouterr().err == "error: went wrong\n"


@pytest.mark.parametrize(("configured", "shared"), [(0, None), (4, None), (-1, "computed")])
def test_worker_environment_carries_the_bind_address_and_shares_image_workers(
    tmp_path: Path, configured: int, shared: str | None
) -> None:
    settings = make_settings(tmp_path, server={"image_workers": configured, "port": 8100})
    env = worker_environment(tmp_path, settings, workers=2, tls=True)
    assert env["LIMNER_DATA_DIR"] == str(tmp_path.resolve())
    assert (env["LIMNER_SERVER__HOST"], env["LIMNER_SERVER__PORT"]) == ("127.0.0.1", "8100")
    assert env["LIMNER_SERVER__PUBLIC_URL"] == "http://127.0.0.1:8100"
    assert env[TLS_VARIABLE] == "1"
    if shared is None:
        assert "LIMNER_SERVER__IMAGE_WORKERS" not in env
    else:
        assert int(env["LIMNER_SERVER__IMAGE_WORKERS"]) >= 1


def test_worker_environment_without_tls_leaves_the_flag_empty(tmp_path: Path) -> None:
    env = worker_environment(tmp_path, make_settings(tmp_path), workers=3, tls=False)
    assert env[TLS_VARIABLE] == ""


ROWS = [
    {"key": "ana@example.com", "requests": 3, "images": 4, "cost_usd": 0.125, "blocked": 1},
    {"key": "bo@example.com", "requests": 10, "images": 12, "cost_usd": 2.0},
]


def test_the_usage_table_aligns_columns_under_their_headers() -> None:
    lines = _table(ROWS, "user", with_day=False).splitlines()
    assert lines[0].split()[:4] == ["user", "requests", "images", "cost_usd"]
    assert lines[1].split()[:4] == ["ana@example.com", "3", "4", "0.12"]
    assert lines[2].split()[:4] == ["bo@example.com", "10", "12", "2.00"]
    assert lines[1].index("3") == lines[0].index("requests")


def test_the_usage_table_and_csv_add_a_day_column_when_daily() -> None:
    daily = [{**row, "day": "2026-12-01"} for row in ROWS]
    assert _table(daily, "key", with_day=True).splitlines()[0].split()[:2] == ["key", "day"]
    header, first, _ = _csv(daily, with_day=True).splitlines()
    assert header.split(",") == ["key", "day", *COLUMNS]
    assert first.startswith("ana@example.com,2026-12-01,3,4,0.125")


def test_an_empty_period_says_so() -> None:
    assert _table([], "model", with_day=False) == "no usage in this period"
