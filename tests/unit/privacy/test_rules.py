"""Unit tests: retention expiry math and legal-hold matching (integration: tests/integration/privacy/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from limner.privacy.config import RetentionSettings
from limner.privacy.rules import (
    DataClass,
    Hold,
    audit_purge_bound,
    cutoff,
    cutoffs,
    holding,
    in_range,
    is_expired,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("created_at", "days", "expired"),
    [
        (NOW - 31 * DAY, 30, True),
        (NOW - 30 * DAY, 30, False),  # exactly at the cutoff: kept (strictly older expires)
        (NOW - 30 * DAY - timedelta(microseconds=1), 30, True),
        (NOW - 29 * DAY, 30, False),
        (NOW - 10_000 * DAY, None, False),  # None keeps forever
        (NOW + DAY, 1, False),  # clock skew: future rows never expire
    ],
)
def test_is_expired(created_at: datetime, days: int | None, expired: bool) -> None:
    assert is_expired(created_at, NOW, days) is expired


def test_cutoffs_per_data_class() -> None:
    retention = RetentionSettings(prompt_text_days=7, images_days=90)
    table = cutoffs(retention, NOW)
    assert set(table) == set(DataClass)
    assert table[DataClass.PROMPT_TEXT] == NOW - 7 * DAY
    assert table[DataClass.IMAGES] == NOW - 90 * DAY
    assert table[DataClass.REVISED_PROMPT] is None
    assert cutoff(NOW, None) is None


USER_HOLD = Hold("h1", "user", frozenset({"alice"}))
GROUP_HOLD = Hold("h2", "group", frozenset({"bob", "carol"}))
RANGE_HOLD = Hold("h3", "range", starts_at=NOW - 60 * DAY, ends_at=NOW - 30 * DAY)
OPEN_RANGE = Hold("h4", "range", starts_at=NOW - 5 * DAY)


@pytest.mark.parametrize(
    ("created_at", "owner", "holds", "held_by"),
    [
        (NOW - 100 * DAY, "alice", [USER_HOLD], "h1"),
        (NOW - 100 * DAY, "dave", [USER_HOLD], None),
        (NOW - 100 * DAY, "carol", [USER_HOLD, GROUP_HOLD], "h2"),
        (NOW - 45 * DAY, "dave", [RANGE_HOLD], "h3"),
        (NOW - 60 * DAY, "dave", [RANGE_HOLD], "h3"),  # range ends are inclusive
        (NOW - 61 * DAY, "dave", [RANGE_HOLD], None),
        (NOW - 1 * DAY, None, [OPEN_RANGE], "h4"),
        (NOW - 1 * DAY, "dave", [], None),
    ],
)
def test_holding(created_at: datetime, owner: str | None, holds: list[Hold], held_by: str | None) -> None:
    hold = holding(created_at, owner, holds)
    assert (hold.id if hold else None) == held_by


def test_in_range_with_open_ends() -> None:
    assert in_range(NOW, None, None)
    assert in_range(NOW, NOW, NOW)
    assert not in_range(NOW, NOW + DAY, None)


@pytest.mark.parametrize(
    ("limit", "holds", "bound"),
    [
        (NOW - 90 * DAY, [], NOW - 90 * DAY),
        (None, [], None),
        (NOW - 90 * DAY, [USER_HOLD], None),  # a hold on a person suspends the prefix purge
        (NOW - 10 * DAY, [RANGE_HOLD], NOW - 60 * DAY),  # pulled back to the range's start
        (NOW - 90 * DAY, [RANGE_HOLD], NOW - 90 * DAY),
        (NOW - 10 * DAY, [Hold("h5", "range", ends_at=NOW)], None),  # open start holds everything before
    ],
)
def test_audit_purge_bound(limit: datetime | None, holds: list[Hold], bound: datetime | None) -> None:
    assert audit_purge_bound(limit, holds) == bound


def test_audit_retention_has_a_floor() -> None:
    with pytest.raises(ValueError, match="30"):
        RetentionSettings(audit_metadata_days=7)
