"""Settings for retention and data-subject requests."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PrivacySettings(BaseModel):
    prompt_retention_days: int | None = Field(default=None, ge=1, description="None keeps forever")
