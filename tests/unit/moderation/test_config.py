"""Unit tests for ModerationSettings; the settings are exercised end to end in test_service.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from limner.moderation.config import DEFAULT_THRESHOLDS, CategoryThreshold, ModerationSettings
from limner.moderation.providers.fake import FakeModeratorConfig
from limner.moderation.providers.open_nsfw import OpenNsfwConfig


def test_defaults_are_off_with_open_nsfw_and_fail_closed() -> None:
    settings = ModerationSettings()
    assert settings.enabled is False
    assert [type(p) for p in settings.providers] == [OpenNsfwConfig]
    assert settings.on_error == "block"
    assert settings.threshold("sexual") == CategoryThreshold(review_at=0.6, block_at=0.85)
    assert settings.threshold("sexual_minors") == CategoryThreshold(review_at=None, block_at=0.2)


def test_overriding_one_category_keeps_the_other_defaults() -> None:
    settings = ModerationSettings.model_validate(
        {"thresholds": {"sexual": {"review_at": 0.5, "block_at": 0.7}}}
    )
    assert settings.threshold("sexual") == CategoryThreshold(review_at=0.5, block_at=0.7)
    assert settings.threshold("sexual_minors") == DEFAULT_THRESHOLDS["sexual_minors"]


def test_unlisted_category_uses_unknown_category_thresholds() -> None:
    settings = ModerationSettings()
    assert settings.threshold("weapons") == settings.unknown_category


def test_review_above_block_is_refused() -> None:
    with pytest.raises(ValidationError, match="review_at must not be above block_at"):
        CategoryThreshold(review_at=0.9, block_at=0.5)


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_threshold_outside_unit_interval_is_refused(value: float) -> None:
    with pytest.raises(ValidationError):
        CategoryThreshold(block_at=value)


def test_enabled_without_providers_is_refused() -> None:
    with pytest.raises(ValidationError, match="lists no providers"):
        ModerationSettings(enabled=True, providers=[])


def test_providers_parse_by_kind() -> None:
    settings = ModerationSettings.model_validate(
        {"providers": [{"kind": "fake", "scores": {"sexual": 0.1}}, {"kind": "open_nsfw"}]}
    )
    assert isinstance(settings.providers[0], FakeModeratorConfig)
    assert isinstance(settings.providers[1], OpenNsfwConfig)


def test_unknown_provider_kind_is_refused_naming_the_allowed_kinds() -> None:
    with pytest.raises(ValidationError, match="open_nsfw"):
        ModerationSettings.model_validate({"providers": [{"kind": "dalle"}]})


def test_on_error_accepts_only_known_policies() -> None:
    with pytest.raises(ValidationError):
        ModerationSettings.model_validate({"on_error": "ignore"})
