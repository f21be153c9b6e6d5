"""Data keys: one per owner, stored only as ciphertext: sealed under the owner's key in the key store,
then wrapped by the key-encryption key. The database holds ciphertext and key ids, never a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, utcnow


class DataKey(Base):
    __tablename__ = "data_keys"

    owner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kek_version: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # True: `wrapped` holds the data key sealed under the owner's key in the key store (erasure-proof).
    # False: a row from before per-owner keys; `limner vault rotate` adds the owner layer.
    owner_sealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
