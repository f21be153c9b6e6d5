"""Audit tables: append-only hash-chained events, pseudonyms, signed checkpoints, the sink outbox.

No code path deletes or rewrites a hashed column. Erasure clears only the unhashed `actor_id` and
`subject_id` links (see chain.py), and retention may drop a prefix that ends at a signed checkpoint.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, utcnow

_SEQ = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(32), default="ok", index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)  # not hashed
    actor_ref: Mapped[str | None] = mapped_column(String(40), default=None)  # hashed pseudonym
    subject_type: Mapped[str | None] = mapped_column(String(32), default=None)
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)  # not hashed
    subject_ref: Mapped[str | None] = mapped_column(String(64), default=None)  # hashed
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    data_json: Mapped[str] = mapped_column("data", Text, default="{}")  # hashes and categories only
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data_json)
        return value


class AuditActor(Base):
    """The only link from a pseudonym in the chain to a user id; erasure deletes the row."""

    __tablename__ = "audit_actors"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)


class AuditCheckpoint(Base):
    """The chain head at `seq`, signed with Ed25519 (signature empty until a signer signs it)."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)
    signature: Mapped[str | None] = mapped_column(String(128), default=None)  # base64


class AuditOutbox(Base):
    """Events not yet delivered to every sink; written in the event's own transaction."""

    __tablename__ = "audit_outbox"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)


class AuditSinkState(Base):
    """How far each sink got, and its backoff after failures."""

    __tablename__ = "audit_sink_state"

    sink: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivered_seq: Mapped[int] = mapped_column(_SEQ, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
