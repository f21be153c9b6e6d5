"""Moderate one image with every configured provider and return the verdict the flow acts on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from limner.imaging.actions import Action
from limner.moderation.config import ModerationSettings
from limner.moderation.providers import ImageModerator, build_moderator
from limner.moderation.providers.base import ModerationScores
from limner.moderation.verdict import ImageVerdict, decide

logger = logging.getLogger(__name__)


def build_moderators(settings: ModerationSettings) -> list[ImageModerator]:
    """The configured moderators, or none when moderation is disabled."""
    if not settings.enabled:
        return []
    return [build_moderator(config) for config in settings.providers]


async def moderate_image(
    image: bytes, *, moderators: Sequence[ImageModerator], settings: ModerationSettings
) -> ImageVerdict:
    """Run all moderators concurrently on `image`; no moderators means moderation is off."""
    if not moderators:
        return ImageVerdict(action=Action.ALLOW)
    results, failed = await provider_scores(image, moderators)
    return decide(results, failed, settings)


async def provider_scores(
    image: bytes, moderators: Sequence[ImageModerator]
) -> tuple[list[ModerationScores], list[str]]:
    """Every provider's scores, concurrently, and the names of those that failed."""
    outcomes = await asyncio.gather(*(_run(m, image) for m in moderators))
    results = [outcome for outcome in outcomes if isinstance(outcome, ModerationScores)]
    failed = [m.name for m, outcome in zip(moderators, outcomes, strict=True) if outcome is None]
    return results, failed


async def _run(moderator: ImageModerator, image: bytes) -> ModerationScores | None:
    """One provider's scores, or None when it failed for any reason (the verdict then fails closed)."""
    try:
        return await moderator.moderate(image)
    except Exception as exc:  # any failure, not only UpstreamError, must reach on_error
        # Type and code only: the message of a third-party error might quote the input.
        logger.warning(
            "moderation provider %s failed: %s (%s)",
            moderator.name,
            type(exc).__name__,
            getattr(exc, "code", None),
        )
        return None


async def close_moderators(moderators: Sequence[ImageModerator]) -> None:
    """Release every moderator's connections (call at shutdown)."""
    for moderator in moderators:
        await moderator.aclose()
