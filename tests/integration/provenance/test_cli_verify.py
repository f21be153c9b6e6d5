"""Integration tests for `limner verify` (Typer CliRunner over real files in a data dir).
Unit tests for the verification logic: tests/unit/provenance/test_verify.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from limner.cli.verify import load_provenance_settings, verify
from limner.provenance.config import ProvenanceSettings
from limner.provenance.devca import create_dev_ca
from limner.provenance.stamp import build_provenance
from limner.provenance.watermarks import create_watermark_key
from tests.unit.provenance.images import encode, info, photo, pixels

IMAGE_ID = "9c1e7b5d4e6f8a0b1c2d3e4f5a6b3f2a"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    create_dev_ca(root / "provenance", org="Acme")
    create_watermark_key(root / "provenance")
    return root


@pytest.fixture(scope="module")
def files(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("images")
    stamped = build_provenance(ProvenanceSettings(enabled=True), data_dir).stamp(
        encode(photo("rocket", (1024, 1024)), "PNG"), fmt="png", info=info(IMAGE_ID)
    )
    contents = {
        "stamped.png": stamped,
        "stripped.jpg": encode(pixels(stamped), "JPEG", quality=75),
        "foreign.jpg": encode(photo("chelsea", (512, 512)), "JPEG"),
        "corrupt.png": stamped[:500],
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in contents}


def _run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(verify)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stamped_file_is_ours_and_exits_0(files: dict[str, Path], data_dir: Path) -> None:
    code, out, _ = _run(str(files["stamped.png"]), "--data-dir", str(data_dir))
    assert code == 0
    assert "ours:        yes" in out
    assert IMAGE_ID in out
    assert "intact, state Valid, signed by Acme Limner signer" in out
    assert "u-7f3e" not in out


def test_json_report_hides_the_creator_unless_asked(files: dict[str, Path], data_dir: Path) -> None:
    code, out, _ = _run(str(files["stamped.png"]), "--json", "--data-dir", str(data_dir))
    assert code == 0
    report = json.loads(out)
    assert (report["ours"], report["image_id"], report["creator"]) == (True, IMAGE_ID, None)
    _, shown, _ = _run(str(files["stamped.png"]), "--json", "--show-creator", "--data-dir", str(data_dir))
    assert json.loads(shown)["creator"] == "u-7f3e"


def test_stripped_jpeg_is_ours_by_watermark(files: dict[str, Path], data_dir: Path) -> None:
    code, out, _ = _run(str(files["stripped.jpg"]), "--json", "--data-dir", str(data_dir))
    report = json.loads(out)
    assert code == 0
    assert report["c2pa"]["present"] is False
    assert report["watermark"] == {"found": True, "image_id": IMAGE_ID[:12]}


def test_foreign_file_exits_1(files: dict[str, Path], data_dir: Path) -> None:
    code, out, _ = _run(str(files["foreign.jpg"]), "--data-dir", str(data_dir))
    assert code == 1
    assert "ours:        no" in out


@pytest.mark.parametrize("name", ["corrupt.png", "missing.png"])
def test_bad_input_exits_1_with_a_message(files: dict[str, Path], data_dir: Path, name: str) -> None:
    target = files.get(name, files["stamped.png"].parent / name)
    code, out, err = _run(str(target), "--data-dir", str(data_dir))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")


def test_data_dir_comes_from_the_environment(files: dict[str, Path], data_dir: Path) -> None:
    app = typer.Typer()
    app.command()(verify)
    result = CliRunner().invoke(app, [str(files["stamped.png"])], env={"LIMNER_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0


def test_provenance_section_of_config_toml_is_used_without_full_settings(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[provenance]\nmax_bytes = 1234\n[provenance.watermark]\nkind = "none"\n'
    )
    settings = load_provenance_settings(tmp_path)
    assert settings.max_bytes == 1234
    assert settings.watermark.kind == "none"
