"""Pure retention math: when each data class expires and whether a legal hold keeps a row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from limner.privacy.config import RetentionSettings


class DataClass(StrEnum):
    PROMPT_TEXT = "prompt_text"
    REVISED_PROMPT = "revised_prompt"
    IMAGES = "images"
    DLP_EVIDENCE = "dlp_evidence"
    AUDIT_METADATA = "audit_metadata"
    USAGE_STATISTICS = "usage_statistics"


@dataclass(frozen=True, slots=True)
class Hold:
    """An active legal hold with its group already resolved to user ids."""

    id: str
    scope: str  # user | group | range
    user_ids: frozenset[str] = frozenset()
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """Rows created before the cutoff are expired; None means the class is kept forever."""
    return None if days is None else now - timedelta(days=days)


def cutoffs(retention: RetentionSettings, now: datetime) -> dict[DataClass, datetime | None]:
    return {cls: cutoff(now, getattr(retention, f"{cls.value}_days")) for cls in DataClass}


def is_expired(created_at: datetime, now: datetime, days: int | None) -> bool:
    limit = cutoff(now, days)
    return limit is not None and created_at < limit


def holding(created_at: datetime, owner_id: str | None, holds: Iterable[Hold]) -> Hold | None:
    """The first hold that keeps a row created at `created_at` for `owner_id`, if any."""
    for hold in holds:
        if hold.scope in ("user", "group") and owner_id in hold.user_ids:
            return hold
        if hold.scope == "range" and in_range(created_at, hold.starts_at, hold.ends_at):
            return hold
    return None


def in_range(at: datetime, starts_at: datetime | None, ends_at: datetime | None) -> bool:
    return (starts_at is None or at >= starts_at) and (ends_at is None or at <= ends_at)


def audit_purge_bound(limit: datetime | None, holds: Iterable[Hold]) -> datetime | None:
    """Audit events can only be dropped as a prefix, so a hold on a person suspends the audit purge
    entirely and a range hold pulls the bound back to the range's start."""
    if limit is None:
        return None
    for hold in holds:
        if hold.scope != "range" or hold.starts_at is None:
            return None
        limit = min(limit, hold.starts_at)
    return limit
