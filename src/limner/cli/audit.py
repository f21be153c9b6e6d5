"""`limner audit`: verify the chain, make and list checkpoints, search and export events."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.audit.checkpoints import add_checkpoint, checkpoint_json, list_checkpoints, sign
from limner.audit.export import csv_header, csv_line, event_json, jsonl_line
from limner.audit.models import AuditCheckpoint, AuditEvent
from limner.audit.schemas import AuditAction
from limner.audit.search import EventFilter, iter_events, resolve_user, search_events
from limner.audit.service import record
from limner.audit.signing import key_id
from limner.audit.verify import VerifyReport, verify_log
from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    components_for,
    emit,
    in_transaction,
    reading_from,
    run,
    usage_error,
)
from limner.cli.since import SinceOption
from limner.cli.tables import table
from limner.components import Components
from limner.identity.accounts.models import User

app = typer.Typer(help="Verify, search and export the audit log.", no_args_is_help=True)

UserOpt = typer.Option(None, "--user", help="Email or user id (as actor or subject)")
ActionOpt = typer.Option(None, "--action", help="Exact action, or a prefix ending in * (image.*)")
DecisionOpt = typer.Option(None, "--decision", help="Outcome: allow, block, review, failed, ok ...")
UntilOpt = typer.Option(None, "--until", help="ISO time, exclusive")


@app.command("verify")
def verify(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Recompute the whole chain; exit 1 naming the first event or checkpoint that fails."""

    async def go() -> tuple[VerifyReport, int]:
        async with components_for(data_dir) as c:
            signer = c.audit_signer
            report = await verify_log(c.sessions, public_key=signer.public_key())
            return report, c.settings.audit.checkpoint_every

    report, every = run(go)
    next_due = (report.last_seq // every + 1) * every
    emit(
        {**report.as_json(), "next_checkpoint_seq": next_due}, as_json=as_json, human=_human(report, next_due)
    )
    if not report.ok:
        raise typer.Exit(1)


def _human(report: VerifyReport, next_due: int) -> str:
    if report.problem is not None:
        return f"FAILED: {report.problem.message}"
    unsigned = f", {len(report.unsigned_checkpoints)} not yet signed" if report.unsigned_checkpoints else ""
    if report.checkpoints == 0:
        anchored = "no checkpoint exists yet"
    else:
        anchored = f"{report.signed_checkpoints} signed checkpoints{unsigned}"
    return (
        f"OK: {report.events} events (seq {report.first_seq or 0}..{report.last_seq}), {anchored}; "
        f"head {report.head_hash}\n"
        f"next checkpoint: automatically at event {next_due} "
        f"({next_due - report.last_seq} events from now), or now with `limner audit checkpoint`"
    )


@app.command("checkpoint")
def checkpoint(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Sign a checkpoint of the chain head now (the event recording it included)."""

    async def go(c: Components, session: AsyncSession) -> dict[str, Any]:
        signer = c.audit_signer
        head = await record(session, action=AuditAction.AUDIT_CHECKPOINTED, data={"via": "cli"})
        row = await session.get(AuditCheckpoint, head.seq)
        if row is None:
            row = await add_checkpoint(session, seq=head.seq, head_hash=head.hash, signer=signer)
        elif row.signature is None:
            sign(row, signer)
        return checkpoint_json(row)

    row = in_transaction(data_dir, go)
    emit(row, as_json=as_json, human=f"signed checkpoint at event {row['seq']}: {row['hash']}")


@app.command("checkpoints")
def checkpoints(data_dir: DataDirOption = DEFAULT_DATA_DIR, as_json: JsonOption = False) -> None:
    """Print every checkpoint and the public key, to anchor them outside Limner."""

    async def go(c: Components, session: AsyncSession) -> tuple[bytes, list[dict[str, Any]]]:
        signer = c.audit_signer
        return signer.public_key(), [checkpoint_json(r) for r in await list_checkpoints(session)]

    public, rows = reading_from(data_dir, go)
    out = {"algorithm": "ed25519", "public_key": public.hex(), "key_id": key_id(public), "checkpoints": rows}
    lines = [
        f"{r['seq']}\t{r['hash']}\t{r['at']}\t{'signed' if r['signature'] else 'unsigned'}" for r in rows
    ]
    emit(out, as_json=as_json, human="\n".join([f"public key (ed25519): {public.hex()}", *lines]))


@app.command("search")
def search(
    user: str | None = UserOpt,
    action: str | None = ActionOpt,
    decision: str | None = DecisionOpt,
    since: SinceOption = None,
    until: datetime | None = UntilOpt,
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    cursor: int | None = typer.Option(None, "--cursor", help="From a previous page's next_cursor"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Newest events first, one page at a time."""

    async def go(_c: Components, session: AsyncSession) -> tuple[list[dict[str, Any]], int | None]:
        f = EventFilter(await resolve_user(session, user), action, decision, _utc(since), _utc(until))
        rows, next_cursor = await search_events(session, f, cursor=cursor, limit=limit)
        return await _named(session, rows), next_cursor

    data, next_cursor = reading_from(data_dir, go)
    page = {"data": data, "next_cursor": next_cursor}
    cells = [[e["seq"], e["at"][:19], e["action"], e["outcome"], e["actor_name"], _subject(e)] for e in data]
    human = table(["SEQ", "AT", "ACTION", "OUTCOME", "ACTOR", "SUBJECT"], cells, empty="no events")
    if next_cursor is not None:
        human += f"\nmore: --cursor {next_cursor}"
    emit(page, as_json=as_json, human=human)


def _subject(event: dict[str, Any]) -> str:
    return f"{event['subject_type']}:{event['subject_name']}" if event["subject_type"] else "-"


async def _named(session: AsyncSession, rows: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    """Events with people shown by email (an operator as cli:user@host), for audit.read holders."""
    ids = {r.actor_id for r in rows if r.actor_id} | {r.subject_id for r in rows if r.subject_type == "user"}
    found = (await session.execute(select(User.id, User.email).where(User.id.in_(ids)))).all() if ids else []
    emails: dict[str | None, str] = {row[0]: row[1] for row in found}
    out = []
    for r in rows:
        subject = emails.get(r.subject_id, r.subject_id) if r.subject_type == "user" else r.subject_id
        actor = emails.get(r.actor_id, r.actor_id) or r.actor_ref
        out.append({**event_json(r), "actor_name": actor, "subject_name": subject})
    return out


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="File to write; - for stdout"),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv"),
    user: str | None = UserOpt,
    action: str | None = ActionOpt,
    decision: str | None = DecisionOpt,
    since: SinceOption = None,
    until: datetime | None = UntilOpt,
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
) -> None:
    """Stream matching events, oldest first; CSV cells are protected against formula injection."""
    if fmt not in ("jsonl", "csv"):
        usage_error("--format must be jsonl or csv")

    async def go() -> int:
        async with components_for(data_dir) as c:
            async with c.sessions.begin() as session:
                f = EventFilter(await resolve_user(session, user), action, decision, _utc(since), _utc(until))
                await record(session, action=AuditAction.AUDIT_EXPORTED, data={"format": fmt, "via": "cli"})
            handle = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
            try:
                return await _write(c.sessions, f, fmt, handle)
            finally:
                if handle is not sys.stdout:
                    handle.close()

    count = run(go)
    typer.echo(f"exported {count} events", err=True)


async def _write(sessions: async_sessionmaker[AsyncSession], f: EventFilter, fmt: str, handle: TextIO) -> int:
    count = 0
    if fmt == "csv":
        handle.write(csv_header())
    async with sessions() as session:
        async for row in iter_events(session, f):
            handle.write(csv_line(row) if fmt == "csv" else jsonl_line(row))
            count += 1
    return count


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
