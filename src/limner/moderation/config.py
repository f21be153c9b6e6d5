"""Settings for image moderation."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModerationSettings(BaseModel):
    enabled: bool = Field(default=False, description="Check every input and generated image")
