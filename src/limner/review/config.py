"""Settings for the review queue."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class ReviewSettings(BaseModel):
    sla_hours: float = Field(default=24, gt=0, description="Hours before an undecided item is escalated")
    two_person_categories: list[str] = Field(
        default_factory=lambda: ["harm.*", "moderation.*", "person.public_figure"],
        description="Category patterns whose items need two distinct approvals",
    )
    webhook_url: str | None = Field(default=None, description="POSTed a JSON notice when an item is decided")
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key for x-limner-signature"
    )
