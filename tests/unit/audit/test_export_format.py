"""Unit tests: CSV-injection-safe cells and event shapes (integration: tests/integration/audit/)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from limner.audit.export import CSV_COLUMNS, csv_header, csv_line, csv_safe, event_json
from limner.audit.models import AuditEvent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("plain", "plain"),
        (None, ""),
        (42, "42"),
        ({"k": "=x"}, '{"k": "=x"}'),
    ],
)
def test_csv_cells_that_start_a_formula_get_a_quote(value: object, expected: str) -> None:
    assert csv_safe(value) == expected


def _event(**overrides: object) -> AuditEvent:
    values: dict[str, object] = {
        "seq": 7, "id": "e1", "at": datetime(2026, 1, 2, tzinfo=UTC), "action": "image.generated",
        "outcome": "ok", "actor_id": "u1", "actor_ref": "p_1", "subject_type": "generation",
        "subject_id": "g1", "subject_ref": "g1", "request_id": "=cmd|' /C calc'!A0", "data_json": '{"n":1}',
        "prev_hash": "0" * 64, "hash": "a" * 64,
    }  # fmt: skip
    values.update(overrides)
    return AuditEvent(**values)


def test_csv_line_round_trips_and_neutralises_formulas() -> None:
    rows = list(csv.reader(io.StringIO(csv_header() + csv_line(_event()))))
    assert rows[0] == list(CSV_COLUMNS)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["request_id"].startswith("'=")
    assert record["data"] == '{"n": 1}'


def test_sink_shape_leaves_out_the_plain_user_id() -> None:
    assert "actor_id" not in event_json(_event(), with_ids=False)
    assert event_json(_event())["actor_id"] == "u1"
    assert event_json(_event(), with_ids=False)["actor"] == "p_1"
