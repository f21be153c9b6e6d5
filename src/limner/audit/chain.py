"""Hash-chain arithmetic, pure: the hash of an event commits to its content and its predecessor.

The hashed line is `prev_hash "\\n" seq US id US at US action US outcome US actor_ref US subject_type US
subject_ref US request_id US data_json` (US = 0x1f). Plain user ids are NOT hashed: actors and user
subjects appear as pseudonyms (`actor_ref`, `subject_ref`), so erasure can drop the link from a
pseudonym to a person without breaking the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
SEPARATOR = "\x1f"
# The event columns the hash commits to, in this order: the writer (service.py) and the verifier
# (verify.py) both read this tuple, so they cannot disagree about what is hashed.
HASHED_FIELDS = (
    "seq", "id", "at", "action", "outcome", "actor_ref", "subject_type", "subject_ref", "request_id",
    "data_json",
)  # fmt: skip


def canonical_json(value: dict[str, Any]) -> str:
    """One spelling per value: sorted keys, no spaces, ASCII only (so no separator can hide inside)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_default)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} in an audit event")


def at_text(value: datetime) -> str:
    """UTC with microseconds, spaced like SQLite stores it, so verify can hash the raw column."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def event_line(fields: Sequence[str | int | None]) -> str:
    return SEPARATOR.join("" if f is None else str(f) for f in fields)


def event_hash(prev_hash: str, fields: Sequence[str | int | None]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{event_line(fields)}".encode()).hexdigest()


def check_field(value: str | None) -> None:
    """Fields are ids and dotted names; a control character would make the line ambiguous."""
    if value is not None and ("\n" in value or SEPARATOR in value):
        raise ValueError("audit fields must not contain control separators")
