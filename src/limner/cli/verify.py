"""`limner verify FILE`: say whether an image came from this Limner, and what its credentials say."""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer
from pydantic import ValidationError

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, fail
from limner.errors import LimnerError
from limner.provenance.config import ProvenanceSettings
from limner.provenance.verify import VerifyReport, build_verifier
from limner.settings import load_settings

EXIT_OURS, EXIT_NOT_OURS, EXIT_BAD_INPUT = 0, 1, 2


def verify(
    file: Path = typer.Argument(..., help="PNG, JPEG or WebP image to check"),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    show_creator: bool = typer.Option(False, "--show-creator", help="Include the pseudonymous creator id"),
) -> None:
    """Exit 0 when the image is ours, 1 when it is not, 2 when it cannot be checked."""
    try:
        data = file.read_bytes()
        report = build_verifier(load_provenance_settings(data_dir), data_dir).verify(data)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", EXIT_BAD_INPUT)
    except LimnerError as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    if not show_creator:
        report = report.model_copy(update={"creator": None})
    typer.echo(report.model_dump_json(indent=2) if json_output else render(report))
    raise typer.Exit(EXIT_OURS if report.ours else EXIT_NOT_OURS)


def load_provenance_settings(data_dir: Path) -> ProvenanceSettings:
    """The full settings' provenance section; if those do not load (say, no secret key on a
    verify-only machine), the [provenance] table of config.toml alone."""
    try:
        return load_settings(data_dir).provenance
    except ValidationError:
        pass
    try:
        table = tomllib.loads((data_dir / "config.toml").read_text()).get("provenance", {})
    except (OSError, tomllib.TOMLDecodeError):
        table = {}
    return ProvenanceSettings.model_validate(table)


def render(report: VerifyReport) -> str:
    """The report as short human-readable lines."""
    c2pa, mark = report.c2pa, report.watermark
    lines = [
        f"ours:        {'yes' if report.ours else 'no'}",
        f"image id:    {report.image_id or '-'}",
        f"c2pa:        {_c2pa_line(report)}",
        f"watermark:   {'found ' + str(mark.image_id) if mark.found else 'not found'}",
    ]
    if c2pa.present and report.model:
        lines += [f"model:       {report.model}", f"created at:  {report.created_at}"]
        lines.append(f"policy:      {report.policy_version}")
    if report.creator:
        lines.append(f"creator:     {report.creator}")
    return "\n".join(lines)


def _c2pa_line(report: VerifyReport) -> str:
    c2pa = report.c2pa
    if not c2pa.present:
        return "no manifest"
    integrity = "intact" if c2pa.valid else "BROKEN"
    return f"{integrity}, state {c2pa.state}, signed by {c2pa.signer or 'unknown'}"
