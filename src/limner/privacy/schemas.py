"""Privacy API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SubjectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)


class HoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["user", "group", "range"]
    reason: str = Field(min_length=1, max_length=500)
    user_email: str | None = None
    group: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class PurgeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = True
