"""The one `--since` parser every command uses: a duration back from now (30d, 12h, 15m, 2w) or an
ISO date or time (2026-11-01, 2026-11-01T08:00, with or without an offset; UTC if none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
HELP = "From when: 30d, 12h, 15m, 2w back from now, or an ISO date/time (UTC unless given)"


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    value = text.strip()
    if len(value) >= 2 and value[-1] in UNITS and value[:-1].isdigit():
        return (now or datetime.now(UTC)) - timedelta(**{UNITS[value[-1]]: int(value[:-1])})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"use a duration such as 30d, 12h or 15m, or an ISO date or time; got {text!r}"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse(text: str) -> datetime:
    return parse_since(text)


SinceOption = Annotated[datetime | None, typer.Option("--since", parser=_parse, help=HELP)]
