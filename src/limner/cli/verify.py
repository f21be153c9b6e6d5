"""`limner verify FILE`: say whether an image came from this Limner, and what its credentials say."""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, fail, reading_from
from limner.components import Components
from limner.errors import LimnerError
from limner.provenance.config import ProvenanceSettings
from limner.provenance.records import complete_report
from limner.provenance.verify import VerifyReport, build_verifier
from limner.settings import load_settings

EXIT_OURS, EXIT_NOT_OURS, EXIT_BAD_INPUT = 0, 1, 1


def verify(
    file: Path = typer.Argument(..., help="PNG, JPEG or WebP image to check"),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    show_creator: bool = typer.Option(False, "--show-creator", help="Include the pseudonymous creator id"),
) -> None:
    """Exit 0 when the image is ours, 1 when it is not or cannot be checked."""
    try:
        data = file.read_bytes()
        report = build_verifier(load_provenance_settings(data_dir), data_dir).verify(data)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", EXIT_BAD_INPUT)
    except LimnerError as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    report = with_record(report, data_dir)
    if not show_creator:
        report = report.model_copy(update={"creator": None})
    typer.echo(report.model_dump_json(indent=2) if json_output else render(report))
    raise typer.Exit(EXIT_OURS if report.ours else EXIT_NOT_OURS)


def with_record(report: VerifyReport, data_dir: Path) -> VerifyReport:
    """On a full data dir, the stored record's id, time, model and creator, as the API gives them;
    on a verify-only machine (no database or secret key), what the image itself carries."""
    if not report.ours or not (data_dir / "config.toml").exists():
        return report
    try:
        load_settings(data_dir)
    except ValidationError:
        return report

    async def go(c: Components, session: AsyncSession) -> VerifyReport:
        return await complete_report(session, report, secret_key=c.secret_key)

    return reading_from(data_dir, go)


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
    mark = report.watermark
    lines = [
        f"ours:        {'yes' if report.ours else 'no'}",
        f"image id:    {report.image_id or '-'}",
        f"c2pa:        {_c2pa_line(report)}",
        f"watermark:   {'found ' + str(mark.image_id) if mark.found else 'not found'}",
    ]
    if report.model:
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
