"""Settings for the prompt policy engine."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PolicySettings(BaseModel):
    enabled: bool = Field(default=True, description="Run the prompt policy on every prompt (off: no checks)")
    refresh_s: float = Field(default=5.0, ge=0, description="How often to look for a newly activated version")
