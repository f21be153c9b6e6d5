"""Integration tests: `limner policy`, `limner verify` and `limner serve` through Typer's CliRunner — the
policy lifecycle, verify's exit code (0 ours, 1 not ours or unreadable) and what serve hands uvicorn
(uvicorn itself is replaced by a recorder: no socket is opened)."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from PIL import Image
from typer.testing import CliRunner

from limner.cli import serve as serve_module
from limner.cli.main import app
from limner.cli.serve import TLS_VARIABLE, WORKER_APP
from tests.modes import cluster_environment

runner = CliRunner()

SMALL_POLICY = """\
name: cli-small
detectors:
  - kind: secrets
rules:
  "*": {action: allow}
  secret.*: {action: block}
  harm.sexual_minors: {action: block, threshold: 0.2}
overrides: []
allow_list: []
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with cluster_environment():
        path = tmp_path_factory.mktemp("policy") / "data"
        code, _, err = invoke("init", "--data-dir", str(path), "--json")
        assert code == 0, err
        yield path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_policy_show_prints_the_default_until_one_is_set(data_dir: Path, tmp_path: Path) -> None:
    dd = ("--data-dir", str(data_dir))
    code, out, _ = invoke("policy", "show", *dd)
    assert code == 0
    assert "name: limner-default" in out
    code, out, _ = invoke("policy", "list", *dd)
    assert (code, out.strip()) == (0, "default policy only")
    file = tmp_path / "small.yaml"
    file.write_text(SMALL_POLICY)
    code, out, err = invoke("policy", "set", str(file), "--json", *dd)
    assert code == 0, err
    saved = json.loads(out)
    assert saved["name"] == "cli-small"
    code, out, _ = invoke("policy", "show", *dd)
    assert out.strip() == SMALL_POLICY.strip()
    code, out, _ = invoke("policy", "list", "--json", *dd)
    active = [row for row in json.loads(out) if row["active"]]
    assert [(row["name"], row["version"]) for row in active] == [("cli-small", saved["version"])]
    code, out, _ = invoke("policy", "list", *dd)
    assert "cli-small" in out
    assert "active" in out


def test_policy_dry_run_of_a_file_reports_on_the_stored_prompts(data_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "candidate.yaml"
    file.write_text(SMALL_POLICY)
    code, out, err = invoke(
        "policy", "test", str(file), "--since", "1d", "--json", "--data-dir", str(data_dir)
    )
    assert code == 0, err
    assert isinstance(json.loads(out), dict)
    code, out, _ = invoke("policy", "test", str(file), "--data-dir", str(data_dir))
    assert code == 0
    assert out.strip()


WEAKENED = SMALL_POLICY.replace("  harm.sexual_minors: {action: block, threshold: 0.2}\n", "")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (SMALL_POLICY.replace("{action: block}", "{action: explode}"), "invalid policy: line 6"),
        ("name: broken\nrules:\n  '*': {action: allow}\n", "line 1: detectors: Field required"),
        (WEAKENED, "harm.sexual_minors is always blocked; the policy may not weaken it"),
        ("name: [unclosed\n", "policy is not valid YAML: line 2"),
    ],
    ids=["unknown-action", "no-detectors", "weakened-floor", "not-yaml"],
)
@pytest.mark.parametrize("verb", ["set", "test"])
def test_an_invalid_policy_file_is_refused_with_a_reason(
    data_dir: Path, tmp_path: Path, verb: str, document: str, reason: str
) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(document)
    code, _, err = invoke("policy", verb, str(file), "--data-dir", str(data_dir))
    assert code == 1
    assert reason in err
    assert "Traceback" not in err
    code, out, _ = invoke("policy", "show", "--data-dir", str(data_dir))
    assert "explode" not in out


@pytest.mark.parametrize("verb", ["set", "test"])
def test_a_policy_file_that_cannot_be_read_is_a_failure(data_dir: Path, tmp_path: Path, verb: str) -> None:
    binary = tmp_path / "policy.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    for file, reason in ((tmp_path / "absent.yaml", "FileNotFoundError"), (binary, "UnicodeDecodeError")):
        code, _, err = invoke("policy", verb, str(file), "--data-dir", str(data_dir))
        assert code == 1
        assert f"cannot read {file}: {reason}" in err


def test_verify_says_no_for_an_image_limner_did_not_make(data_dir: Path, tmp_path: Path) -> None:
    image = tmp_path / "foreign.png"
    image.write_bytes(png_bytes())
    code, out, _ = invoke("verify", str(image), "--data-dir", str(data_dir))
    assert code == 1
    lines = dict(line.split(":", 1) for line in out.strip().splitlines())
    assert lines["ours"].strip() == "no"
    assert lines["c2pa"].strip() == "no manifest"
    assert lines["watermark"].strip() == "not found"
    code, out, _ = invoke("verify", str(image), "--json", "--data-dir", str(data_dir))
    report = json.loads(out)
    assert (code, report["ours"], report["creator"]) == (1, False, None)


def test_verify_without_a_watermark_key_says_to_run_init(tmp_path: Path) -> None:
    image = tmp_path / "foreign.png"
    image.write_bytes(png_bytes())
    code, out, err = invoke("verify", str(image), "--data-dir", str(tmp_path / "none"))
    assert (code, out) == (1, "")
    assert "watermark key" in err
    assert "is unreadable: run `limner init`" in err


def test_verify_reads_the_provenance_table_alone_when_the_settings_do_not_load(
    data_dir: Path, tmp_path: Path
) -> None:
    verify_only = tmp_path / "verify-only"
    verify_only.mkdir()
    (verify_only / "config.toml").write_text("[provenance]\n")  # no secret key: full settings do not load
    shutil.copytree(data_dir / "provenance", verify_only / "provenance")
    image = tmp_path / "foreign.png"
    image.write_bytes(png_bytes())
    code, out, _ = invoke("verify", str(image), "--json", "--data-dir", str(verify_only))
    assert (code, json.loads(out)["ours"]) == (1, False)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"this is not an image", "")],
    ids=["missing", "not-an-image"],
)
def test_verify_refuses_what_it_cannot_check(
    data_dir: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    file = tmp_path / "input.png"
    if content is not None:
        file.write_bytes(content)
    code, _, err = invoke("verify", str(file), "--data-dir", str(data_dir))
    assert code == 1
    assert f"error: {message}" in err
    assert "Traceback" not in err


class Recorder:
    """Stands in for uvicorn.run: keeps what serve passed."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, app: Any, **options: Any) -> None:
        self.calls.append((app, options))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recording = Recorder()
    monkeypatch.setattr(uvicorn, "run", recording)
    monkeypatch.setattr(serve_module, "configure_logging", lambda _: {"version": 1})
    for name in (
        "LIMNER_DATA_DIR",
        "LIMNER_SERVER__HOST",
        "LIMNER_SERVER__PORT",
        "LIMNER_SERVER__PUBLIC_URL",
    ):
        monkeypatch.setenv(name, "unset")  # serve --workers sets these: recorded, so restored afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv(TLS_VARIABLE, "")
    return recording


@pytest.mark.parametrize(("given", "missing"), [("--tls-cert", "--tls-key"), ("--tls-key", "--tls-cert")])
def test_serve_needs_both_tls_files_or_neither(
    recorder: Recorder, tmp_path: Path, given: str, missing: str
) -> None:
    code, _, err = invoke("serve", given, str(tmp_path / "x.pem"), "--data-dir", str(tmp_path))
    assert code == 2
    assert "--tls-cert and --tls-key go together" in err
    assert recorder.calls == []


def test_serve_refuses_an_uninitialised_dir(recorder: Recorder, tmp_path: Path) -> None:
    code, _, err = invoke("serve", "--data-dir", str(tmp_path / "nothing"))
    assert code == 1
    assert "limner init" in err
    assert recorder.calls == []


@pytest.mark.parametrize("workers", ["0", "65"])
def test_serve_refuses_a_worker_count_out_of_range(recorder: Recorder, data_dir: Path, workers: str) -> None:
    code, _, err = invoke("serve", "--workers", workers, "--data-dir", str(data_dir))
    assert code == 2
    assert "--workers" in err
    assert recorder.calls == []


def test_serve_binds_where_told_and_announces_the_url(recorder: Recorder, data_dir: Path) -> None:
    code, _, err = invoke("serve", "--host", "127.0.0.2", "--port", "8123", "--data-dir", str(data_dir))
    assert code == 0, err
    assert "Limner is listening on http://127.0.0.2:8123 (API base URL http://127.0.0.2:8123/v1)" in err
    [(served, options)] = recorder.calls
    assert not isinstance(served, str)
    assert (options["host"], options["port"], options["workers"], options["factory"]) == (
        "127.0.0.2",
        8123,
        1,
        False,
    )
    assert (options["ssl_certfile"], options["access_log"], options["server_header"]) == (None, False, False)


def test_serve_with_tls_and_workers_hands_each_process_its_settings(
    recorder: Recorder, data_dir: Path, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    code, _, err = invoke(
        "serve", "--port", "8443", "--workers", "2", "--tls-cert", str(cert), "--tls-key", str(key),
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert code == 0, err
    assert "listening on https://127.0.0.1:8443" in err
    [(served, options)] = recorder.calls
    assert (served, options["factory"], options["workers"]) == (WORKER_APP, True, 2)
    assert (options["ssl_certfile"], options["ssl_keyfile"]) == (cert, key)
    assert os.environ["LIMNER_DATA_DIR"] == str(data_dir.resolve())
    assert os.environ["LIMNER_SERVER__PORT"] == "8443"
    assert os.environ["LIMNER_SERVER__PUBLIC_URL"] == "https://127.0.0.1:8443"
    assert os.environ[TLS_VARIABLE] == "1"
