"""Settings for the audit log."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditSettings(BaseModel):
    checkpoint_every: int = Field(default=1000, ge=1, description="Sign a checkpoint every N events")
