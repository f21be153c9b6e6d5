"""`limner usage`: images, cost and policy outcomes per person, group, key, model or day."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, JsonOption, components_for, run, usage_error
from limner.cli.since import SinceOption, parse_since
from limner.db import utcnow
from limner.usage.stats import COUNT_FIELDS, DIMENSIONS, Dimension, usage

COLUMNS = ("requests", "images", "cost_usd", *COUNT_FIELDS)


def usage_command(
    by: str = typer.Option("user", "--by", help="user | group | model | key | day"),
    since: SinceOption = None,
    daily: bool = typer.Option(False, "--daily", help="One row per key and UTC day"),
    as_csv: bool = typer.Option(False, "--csv", help="CSV output"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    as_json: JsonOption = False,
) -> None:
    """Usage from the stored records: requests, images, cost (vendor price table), blocked, warned,
    redacted and held prompts, review outcomes."""
    if by not in DIMENSIONS:
        usage_error(f"--by must be one of {', '.join(DIMENSIONS)}")
    start = since or parse_since("30d")
    rows = run(lambda: _rows(data_dir, by, start, daily))
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
    elif as_csv:
        sys.stdout.write(_csv(rows, daily and by != "day"))
    else:
        typer.echo(_table(rows, by, daily and by != "day"))


async def _rows(data_dir: Path, by: Dimension, start: datetime, daily: bool) -> list[dict[str, Any]]:
    async with components_for(data_dir) as c, c.sessions() as session:
        end = utcnow()
        found = await usage(
            session, by=by, since=start, until=end, catalog=c.settings.generation.models, daily=daily
        )
        return [r.as_dict() for r in found]


def _csv(rows: list[dict[str, Any]], with_day: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["key", *(["day"] if with_day else []), *COLUMNS]
    writer.writerow(header)
    writer.writerows([[row.get(col, "") for col in header] for row in rows])
    return out.getvalue()


def _table(rows: list[dict[str, Any]], by: str, with_day: bool) -> str:
    if not rows:
        return "no usage in this period"
    header = [by, *(["day"] if with_day else []), *COLUMNS]
    keys = ["key", *(["day"] if with_day else []), *COLUMNS]
    cells = [[f"{r[k]:.2f}" if k == "cost_usd" else str(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
