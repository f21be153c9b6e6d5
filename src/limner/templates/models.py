"""A template and its published versions; a new version never changes an old one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, new_id, utcnow


class PromptTemplate(Base):
    __tablename__ = "prompt_templates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TemplateVersion(Base):
    __tablename__ = "prompt_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    template_id: Mapped[str] = mapped_column(
        ForeignKey("prompt_templates.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)  # with {variable} placeholders
    style: Mapped[str] = mapped_column(String(300), default="")  # appended to the prompt
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    size_preset: Mapped[str | None] = mapped_column(String(40), default=None)  # "Slide 16:9"
    model: Mapped[str | None] = mapped_column(String(128), default=None)  # pinned, or the person picks
    policy_version: Mapped[str] = mapped_column(String(64), default="none")  # the policy it passed
    published_by: Mapped[str | None] = mapped_column(String(32), default=None)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
