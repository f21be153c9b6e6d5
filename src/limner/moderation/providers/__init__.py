"""Image moderation providers; `settings.moderation.providers` lists the ones that run."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.moderation.providers.azure_content_safety import (
    AzureContentSafetyConfig,
    AzureContentSafetyModerator,
)
from limner.moderation.providers.base import ImageModerator, ModerationScores
from limner.moderation.providers.fake import FakeModerator, FakeModeratorConfig
from limner.moderation.providers.nudenet import NudeNetConfig, NudeNetModerator
from limner.moderation.providers.open_nsfw import OpenNsfwConfig, OpenNsfwModerator
from limner.moderation.providers.openai import OpenAIModerator, OpenAIModeratorConfig

ModeratorConfig = Annotated[
    OpenNsfwConfig | NudeNetConfig | OpenAIModeratorConfig | AzureContentSafetyConfig | FakeModeratorConfig,
    Field(discriminator="kind"),
]


def build_moderator(config: ModeratorConfig) -> ImageModerator:
    match config:
        case OpenNsfwConfig():
            return OpenNsfwModerator(config)
        case NudeNetConfig():
            return NudeNetModerator(config)
        case OpenAIModeratorConfig():
            return OpenAIModerator(config)
        case AzureContentSafetyConfig():
            return AzureContentSafetyModerator(config)
        case FakeModeratorConfig():
            return FakeModerator(config)
        case _:
            assert_never(config)


__all__ = ["ImageModerator", "ModerationScores", "ModeratorConfig", "build_moderator"]
