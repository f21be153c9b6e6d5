"""Data keys: one per owner, stored only wrapped by the key-encryption key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, utcnow


class DataKey(Base):
    __tablename__ = "data_keys"

    owner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kek_version: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
