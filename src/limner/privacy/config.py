"""Settings for retention and data-subject requests: how long each data class is kept."""

from __future__ import annotations

from pydantic import BaseModel, Field

_KEEP = "days to keep; None keeps forever"


class RetentionSettings(BaseModel):
    """Days each data class is kept after it was created. Purging never touches data under a legal hold."""

    prompt_text_days: int | None = Field(default=None, ge=1, description=f"Sealed prompts: {_KEEP}")
    revised_prompt_days: int | None = Field(default=None, ge=1, description=f"Revised prompts: {_KEEP}")
    images_days: int | None = Field(default=None, ge=1, description=f"Images and their blobs: {_KEEP}")
    dlp_evidence_days: int | None = Field(default=None, ge=1, description=f"DLP findings detail: {_KEEP}")
    audit_metadata_days: int | None = Field(
        default=None, ge=30, description=f"Audit events (dropped up to a signed checkpoint): {_KEEP}"
    )
    usage_statistics_days: int | None = Field(
        default=None, ge=1, description=f"Generation rows (model, size, status): {_KEEP}"
    )


class PrivacySettings(BaseModel):
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    erasure_requires_approval: bool = Field(
        default=False, description="An erasure asked for through the API waits for a second person's approval"
    )
    purge_interval_s: float = Field(default=3600.0, gt=0, description="How often the server purges")
    purge_batch: int = Field(
        default=1000, ge=1, le=100_000, description="Rows handled per data class per run"
    )
