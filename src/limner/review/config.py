"""Settings for the review queue."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from limner.webhooks import WebhookSecret


class ReviewSettings(BaseModel):
    sla_hours: float = Field(default=24, gt=0, description="Hours before an undecided item is escalated")
    two_person_categories: list[str] = Field(
        default_factory=lambda: ["harm.*", "moderation.*", "person.public_figure"],
        description="Category patterns whose items need two distinct approvals",
    )
    webhook_url: str | None = Field(default=None, description="POSTed a JSON notice when an item is decided")
    webhook_secret: WebhookSecret | None = Field(
        default=None, description="Standard Webhooks signing secret (whsec_...); required with webhook_url"
    )

    @model_validator(mode="after")
    def _signed_or_nothing(self) -> ReviewSettings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "review.webhook_url needs review.webhook_secret: webhooks are never sent unsigned"
            )
        return self
