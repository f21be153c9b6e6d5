"""The alerts table, and the address ranges each API key was seen from (for new_network)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, new_id, utcnow


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # rule:principal:first evidence seq. Unique, so replicas evaluating the same events raise it once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    principal_type: Mapped[str] = mapped_column(String(16))  # user | api_key | address
    principal_id: Mapped[str] = mapped_column(String(64), index=True)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)  # audit event ids
    last_seq: Mapped[int] = mapped_column(
        BigInteger
    )  # the newest evidence event: later bursts start after it
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counts, never content
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|acknowledged|resolved
    assignee_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered: Mapped[list[str]] = mapped_column(JSON, default=list)  # notifiers that took it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    is_notify_done: Mapped[bool] = mapped_column(default=False, index=True)


class KeyNetwork(Base):
    """An (address range, user agent hash) pair an API key was used from."""

    __tablename__ = "alert_key_networks"
    __table_args__ = (UniqueConstraint("api_key_id", "network", "agent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api_key_id: Mapped[str] = mapped_column(String(16), index=True)
    network: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
