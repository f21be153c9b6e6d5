"""Unit tests for the hash-chain arithmetic and event vocabulary (integration: tests/integration/audit/)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from limner.audit.chain import GENESIS, canonical_json, check_field, event_hash, event_line
from limner.audit.schemas import AuditAction


def test_hash_commits_to_predecessor_and_every_field() -> None:
    fields = (1, "id1", "2026-01-01T00:00:00+00:00", "image.generated", "ok", "p_x", None, None, None, "{}")
    base = event_hash(GENESIS, fields)
    assert event_hash(GENESIS, fields) == base
    assert event_hash("1" * 64, fields) != base
    for i in range(len(fields)):
        changed = list(fields)
        changed[i] = "tampered"
        assert event_hash(GENESIS, changed) != base, i


def test_none_and_empty_string_are_one_spelling() -> None:
    assert event_line([None, "a"]) == event_line(["", "a"]) == "\x1fa"


@pytest.mark.parametrize("value", ["a\nb", "a\x1fb"])
def test_fields_with_separators_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="separators"):
        check_field(value)


def test_canonical_json_is_key_order_independent_and_ascii() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == canonical_json({"a": "é", "b": 1}) == '{"a":"\\u00e9","b":1}'
    assert canonical_json({"at": datetime(2026, 1, 1, tzinfo=UTC)}) == '{"at":"2026-01-01T00:00:00+00:00"}'


def test_canonical_json_refuses_bytes() -> None:
    with pytest.raises(TypeError, match="bytes"):
        canonical_json({"image": b"\x89PNG"})


def test_vocabulary_covers_every_domain_event() -> None:
    values = {a.value for a in AuditAction}
    assert {
        "privacy.exported",
        "privacy.erased",
        "privacy.purged",
        "privacy.hold.added",
        "privacy.hold.released",
        "vault.key.rotated",
        "prompt.revealed",
        "audit.exported",
    } <= values
    assert all(v == v.lower() and " " not in v for v in values)
