"""Unit tests for the pure verdict rules; test_service.py runs them through moderate_image."""

from __future__ import annotations

import pytest

from limner.imaging.actions import Action
from limner.moderation.config import CategoryThreshold, ModerationSettings
from limner.moderation.providers.base import ModerationScores
from limner.moderation.verdict import PROVIDER_ERROR, category_action, decide

SETTINGS = ModerationSettings()


@pytest.mark.parametrize(
    ("scores", "action", "categories"),
    [
        ({}, Action.ALLOW, ()),
        ({"sexual": 0.59}, Action.ALLOW, ()),
        ({"sexual": 0.6}, Action.REVIEW, ("moderation.sexual",)),
        ({"sexual": 0.85}, Action.BLOCK, ("moderation.sexual",)),
        ({"sexual_minors": 0.19}, Action.ALLOW, ()),
        ({"sexual_minors": 0.2}, Action.BLOCK, ("moderation.sexual_minors",)),
        ({"gore": 0.5, "violence": 0.1}, Action.REVIEW, ("moderation.gore",)),
        (
            {"self_harm": 0.8, "hate": 0.55},
            Action.BLOCK,
            ("moderation.hate", "moderation.self_harm"),
        ),
        ({"weapons": 0.96}, Action.BLOCK, ("moderation.weapons",)),
    ],
)
def test_scores_map_to_the_most_severe_action(
    scores: dict[str, float], action: Action, categories: tuple[str, ...]
) -> None:
    verdict = decide([ModerationScores("p", scores)], [], SETTINGS)
    assert verdict.action is action
    assert verdict.categories == categories


def test_most_severe_provider_wins() -> None:
    results = [ModerationScores("a", {"sexual": 0.1}), ModerationScores("b", {"sexual": 0.9})]
    verdict = decide(results, [], SETTINGS)
    assert verdict.action is Action.BLOCK
    assert verdict.scores == tuple(results)


@pytest.mark.parametrize(
    ("on_error", "action"),
    [("block", Action.BLOCK), ("review", Action.REVIEW), ("allow", Action.ALLOW)],
)
def test_failed_provider_takes_the_on_error_action(on_error: str, action: Action) -> None:
    settings = ModerationSettings.model_validate({"on_error": on_error})
    verdict = decide([], ["openai"], settings)
    assert verdict.action is action
    assert verdict.categories == (PROVIDER_ERROR,)
    assert verdict.failed_providers == ("openai",)


def test_failure_open_still_blocks_on_another_providers_scores() -> None:
    settings = ModerationSettings.model_validate({"on_error": "allow"})
    verdict = decide([ModerationScores("a", {"sexual": 0.99})], ["b"], settings)
    assert verdict.action is Action.BLOCK


def test_category_without_thresholds_never_acts() -> None:
    assert category_action(1.0, CategoryThreshold()) is Action.ALLOW
