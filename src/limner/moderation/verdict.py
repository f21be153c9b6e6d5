"""Pure rules: provider scores and failures → one ImageVerdict. Most severe action wins."""

from __future__ import annotations

from dataclasses import dataclass

from limner.imaging.actions import Action, most_severe
from limner.moderation.config import CategoryThreshold, ModerationSettings
from limner.moderation.providers.base import ModerationScores

PROVIDER_ERROR = "moderation.provider_error"
ON_ERROR_ACTIONS = {"block": Action.BLOCK, "review": Action.REVIEW, "allow": Action.ALLOW}


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    """What to do with one image, and why: categories are dotted (`moderation.sexual`)."""

    action: Action
    categories: tuple[str, ...] = ()
    scores: tuple[ModerationScores, ...] = ()
    failed_providers: tuple[str, ...] = ()


def category_action(score: float, threshold: CategoryThreshold) -> Action:
    if threshold.block_at is not None and score >= threshold.block_at:
        return Action.BLOCK
    if threshold.review_at is not None and score >= threshold.review_at:
        return Action.REVIEW
    return Action.ALLOW


def decide(results: list[ModerationScores], failed: list[str], settings: ModerationSettings) -> ImageVerdict:
    """Rule every category of every provider; a failed provider counts as `settings.on_error`."""
    actions: list[Action] = []
    flagged: set[str] = set()
    for result in results:
        for category, score in result.scores.items():
            action = category_action(score, settings.threshold(category))
            if action is not Action.ALLOW:
                actions.append(action)
                flagged.add(f"moderation.{category}")
    if failed:
        actions.append(ON_ERROR_ACTIONS[settings.on_error])
        flagged.add(PROVIDER_ERROR)
    return ImageVerdict(
        action=most_severe(actions),
        categories=tuple(sorted(flagged)),
        scores=tuple(results),
        failed_providers=tuple(failed),
    )
