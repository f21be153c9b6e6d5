"""Unit tests for moderate_image and build_moderators with fake moderators.

Real HTTP providers are exercised in tests/integration/moderation/."""

from __future__ import annotations

import hashlib
import logging

import pytest

from limner.errors import UpstreamError
from limner.imaging.actions import Action
from limner.moderation.config import ModerationSettings
from limner.moderation.providers.base import ModerationScores
from limner.moderation.providers.fake import FakeModerator, FakeModeratorConfig
from limner.moderation.service import build_moderators, close_moderators, moderate_image


def fake(**kwargs: object) -> FakeModerator:
    return FakeModerator(FakeModeratorConfig.model_validate(kwargs))


class ExplodingModerator:
    """A provider that breaks its contract with an unexpected exception type."""

    name = "exploding"

    async def moderate(self, image: bytes) -> ModerationScores:
        raise RuntimeError("bug")

    async def aclose(self) -> None:
        return None


def test_build_moderators_is_empty_when_disabled() -> None:
    settings = ModerationSettings(providers=[FakeModeratorConfig()])
    assert build_moderators(settings) == []


def test_build_moderators_builds_each_configured_provider() -> None:
    settings = ModerationSettings(
        enabled=True, providers=[FakeModeratorConfig(name="a"), FakeModeratorConfig(name="b")]
    )
    assert [m.name for m in build_moderators(settings)] == ["a", "b"]


async def test_no_moderators_allows(image: bytes) -> None:
    verdict = await moderate_image(image, moderators=[], settings=ModerationSettings())
    assert verdict.action is Action.ALLOW
    assert verdict.scores == ()


async def test_blocks_explicit_image(image: bytes) -> None:
    verdict = await moderate_image(
        image, moderators=[fake(scores={"sexual": 0.97})], settings=ModerationSettings()
    )
    assert verdict.action is Action.BLOCK
    assert verdict.categories == ("moderation.sexual",)


async def test_scores_by_hash_pick_out_one_image(image: bytes) -> None:
    digest = hashlib.sha256(image).hexdigest()
    moderator = fake(scores_by_sha256={digest: {"violence": 0.7}})
    verdict = await moderate_image(image, moderators=[moderator], settings=ModerationSettings())
    other = await moderate_image(b"other", moderators=[moderator], settings=ModerationSettings())
    assert verdict.action is Action.REVIEW
    assert other.action is Action.ALLOW
    assert moderator.seen == [digest, hashlib.sha256(b"other").hexdigest()]


async def test_provider_error_fails_closed_by_default(image: bytes) -> None:
    moderators = [fake(scores={"sexual": 0.0}), fake(name="down", fail_with="upstream_error")]
    verdict = await moderate_image(image, moderators=moderators, settings=ModerationSettings())
    assert verdict.action is Action.BLOCK
    assert verdict.failed_providers == ("down",)
    assert [s.provider for s in verdict.scores] == ["fake"]


async def test_timeout_with_on_error_review_holds_for_review(image: bytes) -> None:
    settings = ModerationSettings(on_error="review")
    verdict = await moderate_image(image, moderators=[fake(fail_with="timeout")], settings=settings)
    assert verdict.action is Action.REVIEW


async def test_unexpected_exception_also_fails_closed(image: bytes) -> None:
    verdict = await moderate_image(image, moderators=[ExplodingModerator()], settings=ModerationSettings())
    assert verdict.action is Action.BLOCK
    assert verdict.failed_providers == ("exploding",)


async def test_failure_is_logged_without_image_bytes(image: bytes, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        await moderate_image(
            image, moderators=[fake(fail_with="upstream_error")], settings=ModerationSettings()
        )
    assert "fake" in caplog.text
    assert "UpstreamError" in caplog.text
    assert repr(image)[:40] not in caplog.text


async def test_fake_errors_are_limner_upstream_errors(image: bytes) -> None:
    with pytest.raises(UpstreamError, match="'fake' failed"):
        await fake(fail_with="upstream_error").moderate(image)


async def test_close_moderators_closes_each(image: bytes) -> None:
    moderators = [fake(), fake(name="b")]
    await close_moderators(moderators)
    assert all(m.closed for m in moderators)
