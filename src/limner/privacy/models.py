"""Privacy tables: legal holds that suspend purging and erasure, and a tombstone per erasure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, new_id, utcnow


def _hold_id() -> str:
    return "hold_" + new_id()[:16]


class LegalHold(Base):
    """Keeps a user's, a group's or a time range's data from purging and erasure until released."""

    __tablename__ = "legal_holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_hold_id)
    scope: Mapped[str] = mapped_column(String(16))  # user | group | range
    user_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    group_name: Mapped[str | None] = mapped_column(String(200), default=None)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    released_by: Mapped[str | None] = mapped_column(String(64), default=None)


class ErasureRequest(Base):
    """An erasure waiting for a second person (privacy.erasure_requires_approval)."""

    __tablename__ = "privacy_erasure_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Erasure(Base):
    """Proof that a data subject was erased; the email survives only as a keyed hash."""

    __tablename__ = "privacy_erasures"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email_hmac: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
