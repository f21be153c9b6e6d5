"""Unit tests: the chain walker behind `limner audit verify`, fed rows directly (no database).

Each row is what the verifier selects: seq, id, at, action, outcome, actor_ref, subject_type, subject_ref,
request_id, data_json, prev_hash, hash, actor_id, subject_id.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from limner.audit.chain import GENESIS, at_text, event_hash
from limner.audit.models import AuditCheckpoint
from limner.audit.signing import FakeCheckpointSigner, checkpoint_message
from limner.audit.verify import Problem, VerifyReport, _Walker

Row = tuple[Any, ...]
AT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
SIGNER = FakeCheckpointSigner()
REFS = {"u1": "p_u1", "u2": "p_u2"}


def _row(seq: int, prev: str, *, at: Any = None, actor: str | None = "u1", subject: str | None = None) -> Row:
    """A well-formed row; `at` overrides the timestamp column (the hash is always over its UTC text)."""
    stype, sref = ("user", REFS[subject]) if subject else (None, None)
    aref = REFS[actor] if actor else None
    fields = (seq, f"e{seq}", at_text(AT), "image.generated", "ok", aref, stype, sref, f"r{seq}", "{}")
    stored_at = fields[2] if at is None else at
    return (seq, f"e{seq}", stored_at, *fields[3:], prev, event_hash(prev, fields), actor, subject)


def _chain(last: int) -> list[Row]:
    rows: list[Row] = []
    prev = GENESIS
    for seq in range(1, last + 1):
        rows.append(_row(seq, prev, subject="u2" if seq % 2 else None))
        prev = rows[-1][11]
    return rows


def _checkpoint(seq: int, head: str, *, signed: bool = True) -> AuditCheckpoint:
    signature = None
    if signed:
        signature = base64.b64encode(SIGNER.sign(checkpoint_message(seq, head, AT.isoformat()))).decode()
    return AuditCheckpoint(seq=seq, hash=head, at=AT, signature=signature)


def _walk(
    rows: list[Row], checkpoints: Sequence[AuditCheckpoint] = (), *, key: bytes | None = None, batch: int = 2
) -> VerifyReport:
    report = VerifyReport()
    walker = _Walker(report, {c.seq: c for c in checkpoints}, dict(REFS), key)
    for start in range(0, len(rows), batch):
        if not walker.walk(rows[start : start + batch]):
            return report
    walker.finish()
    return report


def _set(row: Row, index: int, value: Any) -> Row:
    return (*row[:index], value, *row[index + 1 :])


def test_an_intact_chain_verifies_across_batches() -> None:
    rows = _chain(5)
    report = _walk(rows)
    assert report.ok
    assert (report.events, report.first_seq, report.last_seq, report.head_hash) == (5, 1, 5, rows[-1][11])


def test_an_empty_log_verifies_at_genesis() -> None:
    report = _walk([])
    assert report.ok
    assert (report.events, report.first_seq, report.last_seq, report.head_hash) == (0, None, 0, GENESIS)


def test_datetime_timestamps_are_hashed_as_stored_text() -> None:
    row = _row(1, GENESIS, at=AT)  # PostgreSQL returns a datetime, SQLite the raw text
    assert isinstance(row[2], datetime)
    assert _walk([row]).ok


def test_signed_and_unsigned_checkpoints_are_counted() -> None:
    rows = _chain(4)
    report = _walk(
        rows,
        [_checkpoint(2, rows[1][11]), _checkpoint(4, rows[3][11], signed=False)],
        key=SIGNER.public_key(),
    )
    assert report.ok
    assert (report.signed_checkpoints, report.unsigned_checkpoints) == (1, [4])


def test_a_prefix_dropped_up_to_a_signed_checkpoint_verifies() -> None:
    rows = _chain(6)
    report = _walk(rows[3:], [_checkpoint(3, rows[2][11])], key=SIGNER.public_key())
    assert report.ok
    assert (report.first_seq, report.last_seq, report.events) == (4, 6, 3)


CASES: list[tuple[str, int, str]] = [
    ("modified-action", 2, "modified"),
    ("modified-prev", 2, "modified"),
    ("relinked-actor", 2, "relinked"),
    ("relinked-subject", 3, "relinked"),
    ("broken-link", 3, "broken_link"),
    ("deleted-middle", 3, "deleted"),
    ("deleted-first", 1, "deleted"),
]


def _tamper(name: str, rows: list[Row]) -> list[Row]:
    if name == "modified-action":
        rows[1] = _set(rows[1], 3, "image.refused")
    elif name == "modified-prev":
        rows[1] = _set(rows[1], 10, "f" * 64)
    elif name == "relinked-actor":
        rows[1] = _set(rows[1], 12, "u2")
    elif name == "relinked-subject":
        rows[2] = _set(rows[2], 13, "u1")
    elif name == "broken-link":
        rows[2] = _row(3, "e" * 64, subject="u2")  # self-consistent, but follows another head
    elif name == "deleted-middle":
        del rows[2]
    else:
        del rows[0]
    return rows


@pytest.mark.parametrize(("name", "seq", "kind"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_named_at_the_first_bad_seq(name: str, seq: int, kind: str) -> None:
    report = _walk(_tamper(name, _chain(5)))
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == (kind, seq)
    assert report.as_json()["ok"] is False


def test_a_subject_that_is_not_a_user_is_named_by_its_id() -> None:
    fields = (1, "e1", at_text(AT), "policy.changed", "ok", "p_u1", "policy", "pol1", "", "{}")
    row = (*fields, GENESIS, event_hash(GENESIS, fields), "u1", "pol1")
    assert _walk([row]).ok
    other = (*fields, GENESIS, event_hash(GENESIS, fields), "u1", "pol2")
    assert _walk([other]).problem == Problem(
        1, "e1", "relinked", "event seq 1 (id e1) names another actor or subject"
    )


def test_a_rewritten_checkpointed_prefix_is_a_checkpoint_mismatch() -> None:
    rows = _chain(4)
    report = _walk(rows, [_checkpoint(2, "d" * 64)], key=SIGNER.public_key())
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("checkpoint_mismatch", 2)


@pytest.mark.parametrize(
    ("key", "signature"),
    [(None, "valid"), (FakeCheckpointSigner().public_key(), "valid"), (SIGNER.public_key(), "garbage")],
    ids=["no-public-key", "other-key", "garbage-signature"],
)
def test_a_checkpoint_signature_that_does_not_verify_is_reported(key: bytes | None, signature: str) -> None:
    rows = _chain(3)
    checkpoint = _checkpoint(2, rows[1][11])
    if signature == "garbage":
        checkpoint.signature = base64.b64encode(b"\0" * 64).decode()
    report = _walk(rows, [checkpoint], key=key)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("bad_signature", 2)


@pytest.mark.parametrize(
    "anchor",
    ["none", "other-hash", "bad-signature"],
)
def test_a_dropped_prefix_needs_a_valid_anchor_checkpoint(anchor: str) -> None:
    rows = _chain(6)
    checkpoints = {
        "none": [],
        "other-hash": [_checkpoint(3, "c" * 64)],
        "bad-signature": [_checkpoint(3, rows[2][11])],
    }[anchor]
    key = FakeCheckpointSigner().public_key() if anchor == "bad-signature" else SIGNER.public_key()
    report = _walk(rows[3:], checkpoints, key=key)
    assert report.problem is not None
    assert report.problem.seq == 3
    assert report.problem.kind in {"deleted", "bad_signature"}
    assert report.events == 0


def test_a_truncated_tail_is_caught_by_a_later_checkpoint() -> None:
    rows = _chain(6)
    report = _walk(rows[:4], [_checkpoint(6, rows[5][11])], key=SIGNER.public_key())
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("truncated", 6)
    assert report.last_seq == 4


def test_the_report_as_json_names_every_count_and_the_problem() -> None:
    report = _walk(_tamper("deleted-middle", _chain(4)))
    assert report.as_json() == {
        "ok": False,
        "events": 2,
        "first_seq": 1,
        "last_seq": 2,
        "head_hash": report.head_hash,
        "checkpoints": 0,
        "signed_checkpoints": 0,
        "unsigned_checkpoints": [],
        "problem": {
            "seq": 3,
            "event_id": None,
            "kind": "deleted",
            "message": "event seq 3 is missing: it was deleted (the next event present is seq 4)",
        },
    }
