"""Settings for image moderation: which providers run, per-category thresholds, failure policy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from limner.moderation import categories as cat
from limner.moderation.providers import ModeratorConfig
from limner.moderation.providers.open_nsfw import OpenNsfwConfig


class CategoryThreshold(BaseModel):
    """Scores at or above `review_at` go to a reviewer; at or above `block_at` are refused."""

    review_at: float | None = Field(default=None, ge=0, le=1, description="None: never review")
    block_at: float | None = Field(default=None, ge=0, le=1, description="None: never block")

    @model_validator(mode="after")
    def _review_below_block(self) -> CategoryThreshold:
        if self.review_at is not None and self.block_at is not None and self.review_at > self.block_at:
            raise ValueError("review_at must not be above block_at")
        return self


DEFAULT_THRESHOLDS: dict[str, CategoryThreshold] = {
    cat.SEXUAL: CategoryThreshold(review_at=0.6, block_at=0.85),
    # Any real signal of minors in sexual content is refused outright; there is no review band.
    cat.SEXUAL_MINORS: CategoryThreshold(block_at=0.2),
    cat.VIOLENCE: CategoryThreshold(review_at=0.6, block_at=0.9),
    cat.GORE: CategoryThreshold(review_at=0.4, block_at=0.7),
    cat.SELF_HARM: CategoryThreshold(review_at=0.4, block_at=0.7),
    cat.HATE: CategoryThreshold(review_at=0.5, block_at=0.8),
    cat.HARASSMENT: CategoryThreshold(review_at=0.6, block_at=0.9),
    cat.ILLEGAL: CategoryThreshold(review_at=0.5, block_at=0.85),
}


def _default_providers() -> list[ModeratorConfig]:
    return [OpenNsfwConfig()]


class ModerationSettings(BaseModel):
    enabled: bool = Field(default=False, description="Check every input and generated image")
    providers: list[ModeratorConfig] = Field(
        default_factory=_default_providers,
        description="Moderators that all run on every image; the most severe verdict wins",
    )
    thresholds: dict[str, CategoryThreshold] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="Per-category thresholds, merged over the defaults (a category is never dropped)",
    )
    unknown_category: CategoryThreshold = Field(
        default_factory=lambda: CategoryThreshold(review_at=0.7, block_at=0.95),
        description="Thresholds for a category a provider reports that is not listed",
    )
    on_error: Literal["block", "review", "allow"] = Field(
        default="block", description="Verdict when a provider fails; 'allow' fails open"
    )

    @field_validator("thresholds", mode="after")
    @classmethod
    def _merge_defaults(cls, value: dict[str, CategoryThreshold]) -> dict[str, CategoryThreshold]:
        # Setting one category from the environment must not silently drop the others'
        # defaults (sexual_minors above all): to relax one, set its fields to null explicitly.
        return {**DEFAULT_THRESHOLDS, **value}

    @model_validator(mode="after")
    def _providers_when_enabled(self) -> ModerationSettings:
        if self.enabled and not self.providers:
            raise ValueError("moderation is enabled but lists no providers")
        return self

    def threshold(self, category: str) -> CategoryThreshold:
        return self.thresholds.get(category, self.unknown_category)
