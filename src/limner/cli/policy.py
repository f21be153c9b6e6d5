"""`limner policy`: show, set, list and dry-run policy versions."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    components_for,
    emit,
    fail,
    in_transaction,
    reading_from,
    run,
)
from limner.cli.since import SinceOption, parse_since
from limner.components import Components
from limner.policy import service
from limner.policy.document import parse_policy

app = typer.Typer(help="Manage the prompt policy.", no_args_is_help=True)


@app.command("show")
def show(data_dir: DataDirOption = DEFAULT_DATA_DIR) -> None:
    """Print the active policy YAML."""

    async def go() -> str:
        async with components_for(data_dir) as c, c.sessions() as session:
            row = await service.active_policy(session)
        return row.document if row else service.default_policy_text()

    typer.echo(run(go))


@app.command("set")
def set_(file: Path, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Validate FILE, store it as a new version and make it active (audited)."""
    text = _read(file)

    async def go(_c: Components, session: AsyncSession) -> dict[str, object]:
        row = await service.save_policy(session, text=text, actor_id=None)
        return {"id": row.id, "version": row.version, "name": row.name}

    result = in_transaction(data_dir, go)
    emit(result, as_json=as_json, human=f"policy {result['version']} is now active")


@app.command("list")
def list_(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """List stored policy versions."""

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, object]]:
        return [
            {
                "id": r.id,
                "version": r.version,
                "name": r.name,
                "active": r.is_active,
                "created_at": r.created_at.isoformat(),
            }
            for r in await service.list_policies(session)
        ]

    rows = reading_from(data_dir, go)
    emit(
        rows,
        as_json=as_json,
        human="\n".join(f"{r['version']:<20} {r['name']:<30} {'active' if r['active'] else ''}" for r in rows)
        or "default policy only",
    )


@app.command("test")
def dry_run_policy(
    file: Path,
    since: SinceOption = None,
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Dry-run: replay stored prompts (decrypted in memory only) through FILE and report what would change."""
    text = _read(file)
    parse_policy_or_fail(text)
    start = since or parse_since("30d")

    from limner.generation.flows.replay import replay_prompts  # loads detector data: only for this command
    from limner.policy.dry_run import DryRunReport

    async def go() -> DryRunReport:
        async with components_for(data_dir) as c:
            return await replay_prompts(c, candidate_text=text, since=start)

    report = run(go)
    emit(report.as_dict(), as_json=as_json, human=report.summary())


def parse_policy_or_fail(text: str) -> None:
    try:
        parse_policy(text)
    except Exception as exc:  # ConfigError carries the line and field
        fail(getattr(exc, "message", str(exc)))


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc.__class__.__name__}")
