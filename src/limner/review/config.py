"""Settings for the review queue."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReviewSettings(BaseModel):
    sla_hours: int = Field(default=24, ge=1)
