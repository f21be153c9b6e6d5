"""`limner vault`: rotate the key-encryption key, sweep blobs a crash left behind."""

from __future__ import annotations

from datetime import timedelta

import typer

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, JsonOption, components_for, emit, run
from limner.generation.flows.cleanup import CleanupReport, clean_up_after_crash
from limner.vault.rotation import RotationReport, rotate_keys

app = typer.Typer(help="Encryption keys and blob housekeeping.", no_args_is_help=True)


@app.command("rotate")
def rotate(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """New KEK version, every data key re-wrapped under it (blobs untouched), old versions retired."""

    async def go() -> RotationReport:
        async with components_for(data_dir) as c:
            return await rotate_keys(c.sessions, c.key_provider, actor_id=None)

    report = run(go)
    retired = ", ".join(report.retired) or "none"
    human = f"KEK version {report.new_version}: {report.rewrapped} data keys re-wrapped; retired {retired}"
    emit(report.as_json(), as_json=as_json, human=human)


@app.command("sweep")
def sweep(
    older_than_s: int = typer.Option(3600, "--older-than-s", min=0, help="Grace period for in-flight writes"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Delete blobs with no record and fail generations stuck in `pending` (after a crash)."""

    async def go() -> CleanupReport:
        async with components_for(data_dir) as c:
            return await clean_up_after_crash(c, timedelta(seconds=older_than_s))

    report = run(go)
    orphans, stuck = len(report.orphans_deleted), len(report.abandoned)
    human = f"deleted {orphans} orphan blobs; failed {stuck} stuck generations"
    emit(report.as_json(), as_json=as_json, human=human)
