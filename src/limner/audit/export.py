"""Event serialisation for search results, exports (JSON lines, CSV) and sinks."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from limner.audit.models import AuditEvent

CSV_COLUMNS = (
    "seq", "id", "at", "action", "outcome", "actor_id", "actor", "subject_type", "subject",
    "request_id", "data", "prev_hash", "hash",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def event_json(row: AuditEvent, *, with_ids: bool = True) -> dict[str, Any]:
    """The public shape of an event. Sinks leave out `actor_id`: only pseudonyms leave Limner,
    so an erasure is not undone by copies in a SIEM."""
    out: dict[str, Any] = {
        "seq": row.seq,
        "id": row.id,
        "at": row.at.isoformat(),
        "action": row.action,
        "outcome": row.outcome,
        "actor": row.actor_ref,
        "subject_type": row.subject_type,
        "subject": row.subject_ref,
        "request_id": row.request_id,
        "data": row.data,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }
    if with_ids:
        out["actor_id"] = row.actor_id
    return out


def jsonl_line(row: AuditEvent) -> str:
    return json.dumps(event_json(row), separators=(",", ":")) + "\n"


def csv_safe(value: object) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote disarms them."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_header() -> str:
    return _csv_row(list(CSV_COLUMNS))


def csv_line(row: AuditEvent) -> str:
    event = event_json(row)
    return _csv_row([csv_safe(event[col]) for col in CSV_COLUMNS])


def _csv_row(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
