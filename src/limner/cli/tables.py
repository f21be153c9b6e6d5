"""Plain-text tables with a header row, for list commands read by people (--json for machines)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def cell(value: object) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, empty: str) -> str:
    """Columns padded to their widest cell; `empty` when there are no rows."""
    if not rows:
        return empty
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
