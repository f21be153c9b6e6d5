"""Settings for provenance (C2PA signing and the invisible watermark)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProvenanceSettings(BaseModel):
    enabled: bool = Field(default=False, description="Sign and watermark every delivered image")
