"""Settings for the prompt policy engine."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PolicySettings(BaseModel):
    enabled: bool = Field(default=False, description="Run the prompt policy on every prompt")
