"""`limner privacy`: retention purge, legal holds, data-subject export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from limner.components import Components
from limner.db import utcnow
from limner.identity.accounts.service import require_user
from limner.privacy import holds as hold_service
from limner.privacy.flows import erase_user, export_user, purge_expired
from limner.privacy.holds import hold_json

app = typer.Typer(help="Retention, legal holds and data-subject requests.", no_args_is_help=True)
hold_app = typer.Typer(help="Legal holds: suspend purging and erasure.", no_args_is_help=True)
app.add_typer(hold_app, name="hold")


@app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would go; change nothing"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Remove data past its retention period (never anything under a legal hold)."""

    async def go() -> dict[str, Any]:
        async with components_for(data_dir) as c:
            return (await purge_expired(c, utcnow(), dry_run)).as_json()

    report = run(go)
    verb = "would remove" if dry_run else "removed"
    counts = ", ".join(f"{k}={v}" for k, v in report["removed"].items())
    emit(report, as_json=as_json, human=f"{verb}: {counts}; kept by legal hold: {report['kept_by_hold']}")


@app.command("export")
def export(
    user: str = typer.Option(..., "--user", help="The data subject's email"),
    out: Path = typer.Option(..., "--out", help="ZIP file to write"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Everything Limner holds about one person, as JSON and files with a README."""
    if out.exists():
        fail(f"{out} already exists; refusing to overwrite it")

    async def go() -> dict[str, int]:
        async with components_for(data_dir) as c:
            with out.open("xb") as handle:
                return await export_user(c, handle, email=user, actor_id=None)

    try:
        counts = run(go)
    except (typer.Exit, SystemExit):
        out.unlink(missing_ok=True)  # no half-written export with someone's data in it
        raise
    emit({"out": str(out), **counts}, as_json=as_json, human=f"wrote {out}: {counts}")


@app.command("erase")
def erase(
    user: str = typer.Option(..., "--user", help="The data subject's email"),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Crypto-shred and delete one person's data; the audit trail keeps only a pseudonym."""
    if not yes and not typer.confirm(f"Erase every prompt and image of {user}? This cannot be undone."):
        fail("not confirmed")

    async def go() -> dict[str, object]:
        async with components_for(data_dir) as c:
            return (await erase_user(c, email=user, actor_id=None)).as_json()

    report = run(go)
    emit(report, as_json=as_json, human=f"erased {user}: {report}")


@hold_app.command("add")
def hold_add(
    reason: str = typer.Option(..., "--reason", help="Case or matter reference"),
    user: str | None = typer.Option(None, "--user", help="Hold one person's data (email)"),
    group: str | None = typer.Option(None, "--group", help="Hold a group's data (group name)"),
    since: datetime | None = typer.Option(None, "--from", help="Hold a time range: start (ISO)"),
    until: datetime | None = typer.Option(None, "--to", help="Hold a time range: end (ISO)"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Add a hold on a user, a group, or a time range."""
    scope = "user" if user else "group" if group else "range"

    async def go(_c: Components, session: AsyncSession) -> dict[str, Any]:
        user_id = (await require_user(session, email=user)).id if user else None
        hold = await hold_service.add_hold(
            session,
            scope=scope,
            reason=reason,
            actor_id=None,
            user_id=user_id,
            group_name=group,
            starts_at=_utc(since),
            ends_at=_utc(until),
        )
        return hold_json(hold)

    row = in_transaction(data_dir, go)
    emit(row, as_json=as_json, human=f"added legal hold {row['id']} ({scope})")


@hold_app.command("list")
def hold_list(
    include_released: bool = typer.Option(False, "--all", help="Include released holds"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """List holds (active ones unless --all)."""

    async def go(_c: Components, session: AsyncSession) -> list[dict[str, Any]]:
        return [
            hold_json(h) for h in await hold_service.list_holds(session, include_released=include_released)
        ]

    rows = reading_from(data_dir, go)
    human = "\n".join(f"{h['id']}\t{h['scope']}\t{h['reason']}\t{h['released_at'] or 'active'}" for h in rows)
    emit(rows, as_json=as_json, human=human or "no legal holds")


@hold_app.command("release")
def hold_release(
    hold_id: str, data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False
) -> None:
    """Release a hold: purging and erasure resume for its data."""

    async def go(_c: Components, session: AsyncSession) -> dict[str, Any]:
        return hold_json(await hold_service.release_hold(session, hold_id=hold_id, actor_id=None))

    row = in_transaction(data_dir, go)
    emit(row, as_json=as_json, human=f"released legal hold {row['id']}")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
