"""Education tables: policy versions, modules, acknowledgements, module results and banners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, new_id, utcnow


class UsePolicyVersion(Base):
    """One published version of the acceptable-use policy (Markdown). Versions are never edited."""

    __tablename__ = "use_policy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    asks_again: Mapped[bool] = mapped_column(Boolean, default=True)  # False: a correction, no new ack
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingModule(Base):
    """A short lesson (Markdown) with a quiz; `questions` holds the answers, never sent to learners."""

    __tablename__ = "training_modules"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a slug, e.g. responsible-use
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pass_mark: Mapped[int] = mapped_column(Integer)  # correct answers needed
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    min_revision: Mapped[int] = mapped_column(Integer, default=1)  # older passes no longer count
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PolicyAcknowledgement(Base):
    __tablename__ = "use_policy_acknowledgements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="self")  # self | recorded
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingResult(Base):
    """One quiz attempt (or a completion recorded from a learning system)."""

    __tablename__ = "training_results"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    module_revision: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer, default=0)
    is_passed: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16), default="quiz")  # quiz | recorded
    recorded_by: Mapped[str | None] = mapped_column(String(64), default=None)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Banner(Base):
    """An announcement shown at the top of every workspace page while active."""

    __tablename__ = "banners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: "ban_" + new_id()[:16])
    message: Mapped[str] = mapped_column(String(1000))
    level: Mapped[str] = mapped_column(String(16), default="info")  # info | important
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
