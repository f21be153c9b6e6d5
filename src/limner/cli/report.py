"""`limner report`: the compliance report for a period, as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from limner.cli.common import (
    DEFAULT_DATA_DIR,
    DataDirOption,
    fail,
    reading_from,
    usage_error,
)
from limner.components import Components
from limner.errors import InvalidRequestError
from limner.usage.report import gather
from limner.usage.report_html import render
from limner.usage.stats import parse_period


def report(
    out: Path = typer.Option(..., "--out", help="HTML file to write"),
    period: str = typer.Option("7d", "--period", help="How far back, e.g. 7d, 30d, 24h"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
) -> None:
    """Usage and cost, policy outcomes by category, alerts, review SLA, training completion; with charts."""
    try:
        span = parse_period(period)
    except InvalidRequestError:
        usage_error(f"--period takes a number and a unit (d, h, m), e.g. 7d; got {period!r}")

    async def go(c: Components, session: AsyncSession) -> str:
        return render(
            await gather(session, span, catalog=c.settings.generation.models, education=c.settings.education)
        )

    page = reading_from(data_dir, go)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"wrote {out}")
