"""The quota counter table used by the database counter store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime


class UsageCounter(Base):
    __tablename__ = "usage_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. img:user:<id>:d:2026-11-28
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
