"""Generation requests and their images. Prompt text is stored only sealed (encrypted)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, new_id, utcnow


class GenerationStatus(StrEnum):
    """Where a generation stands: `pending` until it completes, fails, is blocked or is held for review.
    Listed in the order the gallery offers them."""

    COMPLETED = "completed"
    HELD = "held"
    BLOCKED = "blocked"
    FAILED = "failed"
    PENDING = "pending"


class Generation(Base):
    __tablename__ = "generations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[str | None] = mapped_column(String(16), default=None)
    request_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # HMAC of the prompt under the owner's data key: unlinkable once the person is erased.
    prompt_hmac: Mapped[str | None] = mapped_column(String(64), default=None)
    prompt_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    revised_prompt_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    status: Mapped[str] = mapped_column(String(16), index=True)  # a GenerationStatus
    decision: Mapped[str] = mapped_column(String(16), default="allow")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    policy_version: Mapped[str] = mapped_column(String(64), default="none")
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    upstream_ms: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # An edit made in the workspace: the image it changed (kept if that image is erased later).
    parent_image_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # "Generate again": the first generation of the set this one belongs to.
    again_of: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # Started from a prompt template in the workspace: the template version that filled the form.
    template_version_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)


class ImageRecord(Base):
    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # also the blob key
    generation_id: Mapped[str] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), default="output")  # output | input
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
