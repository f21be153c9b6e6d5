"""Settings for acceptable-use training and the gate in front of generation."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EducationSettings(BaseModel):
    required: bool = Field(
        default=True,
        description="People must acknowledge the acceptable-use policy and pass the required modules "
        "before they generate (service accounts are exempt)",
    )
    renew_days: int | None = Field(
        default=None, ge=1, description="Ask again after this many days; None: only when the policy changes"
    )
    training_path: str = Field(
        default="/training", pattern=r"^/", description="Where the training pages live (the 403 links here)"
    )
