"""`limner training`: record completions from a learning system, and the completion report."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    JsonOption,
    emit,
    fail,
    in_transaction,
    reading_from,
    usage_error,
)
from limner.components import Components
from limner.education.records import record_completion
from limner.education.report import CompletionReport, completion_report, report_csv
from limner.education.schemas import RecordResult

app = typer.Typer(help="Acceptable-use training: recorded completions and the report.", no_args_is_help=True)


@app.command("record")
def record(
    user: str = typer.Option(..., "--user", help="The person's email"),
    module: str | None = typer.Option(None, "--module", help="The module id completed"),
    everything: bool = typer.Option(
        False, "--all", help="Every required module and the current acceptable-use policy"
    ),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Record that a person completed training elsewhere (audited)."""
    if (module is None) == (not everything):
        usage_error("give exactly one of --module ID or --all")

    async def go(_c: Components, session: AsyncSession) -> RecordResult:
        return await record_completion(
            session, email=user, module_id=module, everything=everything, actor_id=None
        )

    result = in_transaction(data_dir, go)
    ack = f"; acknowledged policy v{result.policy_version}" if result.policy_version else ""
    human = f"recorded for {result.email}: {', '.join(result.modules) or 'no modules'}{ack}"
    emit(result.model_dump(), as_json=as_json, human=human)


@app.command("report")
def report(
    out: Path | None = typer.Option(None, "--csv", help="Write the report as CSV to this file"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Who has acknowledged the policy and passed each module."""

    async def go(c: Components, session: AsyncSession) -> CompletionReport:
        return await completion_report(session, cfg=c.settings.education)

    result = reading_from(data_dir, go)
    if out is not None:
        if out.exists():
            fail(f"{out} already exists; refusing to overwrite it")
        out.write_text(report_csv(result))
    lines = [f"{r.email}: {'complete' if r.complete else 'incomplete'}" for r in result.rows]
    human = "\n".join([*lines, f"{result.complete} of {result.total} people complete"])
    emit(result.model_dump(mode="json"), as_json=as_json, human=human)
