"""Integration tests: `limner scan` through Typer's CliRunner with a small policy file — bad lines are
counted and named on stderr while the rest stream through; unreadable policy, input or output paths
are refusals (exit 1) with a readable reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from limner.cli.main import app

runner = CliRunner()

POLICY = """\
name: scan-small
detectors:
  - kind: secrets
rules:
  "*": {action: allow}
  secret.*: {action: block}
  harm.sexual_minors: {action: block, threshold: 0.2}
overrides: []
allow_list: []
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return path


def test_good_lines_stream_through_and_bad_ones_are_named_and_counted(policy: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "a lighthouse at dusk"}),
        "",
        json.dumps({"id": 2, "text": "a kite over the sea"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 4, "text": 42}),
    ]
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["scan", "--policy", str(policy), "--input", str(source), "--output", str(out)]
    )
    assert result.exit_code == 1  # some lines failed: the run says so
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(row["id"], row["action"], row["findings"]) for row in rows] == [
        (1, "allow", []),
        (2, "allow", []),
    ]
    assert "scanned 4 line(s): allow 2; 2 failed" in result.stderr  # the blank line is not counted
    assert 'line 4: expected an object with a string "text"' in result.stderr
    assert 'line 5: expected an object with a string "text"' in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "{missing}/policy.yaml", "--input", "-"], "cannot read policy"),
        (["--input", "{missing}/in.jsonl"], "cannot read {missing}/in.jsonl: No such file or directory"),
        (["--input", "-", "--output", "{missing}/out.jsonl"], "cannot write {missing}/out.jsonl"),
    ],
    ids=["policy", "input", "output"],
)
def test_paths_it_cannot_use_are_refusals(
    policy: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    missing = str(tmp_path / "missing")
    argv = [arg.format(missing=missing) for arg in args]
    if "--policy" not in argv:
        argv = ["--policy", str(policy), *argv]
    result = runner.invoke(app, ["scan", *argv], input="")
    assert result.exit_code == 1
    assert f"error: {message.format(missing=missing)}" in result.stderr


def test_an_invalid_policy_is_a_refusal_with_its_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(POLICY.replace("{action: block}", "{action: explode}", 1))
    result = runner.invoke(app, ["scan", "--policy", str(broken), "--input", "-"], input="")
    assert result.exit_code == 1
    assert "invalid policy: line 6" in result.stderr
