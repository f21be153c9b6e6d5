"""Integration tests: the openai moderator against a loopback fake of POST /v1/moderations.

Answer parsing alone is unit-tested in tests/unit/moderation/test_parsing.py."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from limner.errors import UpstreamError, UpstreamTimeoutError
from limner.imaging.actions import Action
from limner.moderation.config import ModerationSettings
from limner.moderation.providers._http import HttpOptions
from limner.moderation.providers.openai import OpenAIModerator, OpenAIModeratorConfig
from limner.moderation.service import moderate_image
from tests.fakes.moderation_upstreams import OPENAI_KEY, UpstreamState

FAST = HttpOptions(timeout_s=0.5, max_retries=2, backoff_initial_s=0.01, backoff_max_s=0.02)


def make(base_url: str, key: str = OPENAI_KEY, **http: Any) -> OpenAIModerator:
    options = FAST.model_copy(update=http)
    return OpenAIModerator(
        OpenAIModeratorConfig(base_url=f"{base_url}/v1", api_key=SecretStr(key), http=options)
    )


@pytest.fixture
async def moderator(upstream: tuple[str, UpstreamState]) -> AsyncIterator[OpenAIModerator]:
    moderator = make(upstream[0])
    yield moderator
    await moderator.aclose()


async def test_scores_map_onto_our_categories(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].openai_scores = {"sexual": 0.91, "violence/graphic": 0.3, "self-harm/intent": 0.2}
    result = await moderator.moderate(image)
    assert result.provider == "openai"
    assert result.scores["sexual"] == 0.91
    assert result.scores["gore"] == 0.3
    assert result.scores["self_harm"] == 0.2
    assert set(result.scores) == {
        "sexual",
        "sexual_minors",
        "violence",
        "gore",
        "self_harm",
        "hate",
        "harassment",
        "illegal",
    }


async def test_sends_the_image_as_a_png_data_url_with_bearer_auth(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    await moderator.moderate(image)
    [request] = upstream[1].requests
    assert request["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
    assert request["body"]["model"] == "omni-moderation-latest"
    [part] = request["body"]["input"]
    assert part["type"] == "image_url"
    prefix, payload = part["image_url"]["url"].split(",", 1)
    assert prefix == "data:image/png;base64"
    assert base64.b64decode(payload) == image


async def test_wrong_key_is_an_upstream_error_with_vendor_code_and_no_retry(
    upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    moderator = make(upstream[0], key="sk-wrong-secret")
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    await moderator.aclose()
    assert caught.value.code == "invalid_api_key"
    assert "401" in caught.value.message
    assert "sk-wrong-secret" not in caught.value.message
    assert len(upstream[1].requests) == 1


@pytest.mark.parametrize("failure", ["500", "429"])
async def test_transient_failures_are_retried_then_succeed(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes, failure: str
) -> None:
    upstream[1].script = [failure, failure]
    result = await moderator.moderate(image)
    assert "sexual" in result.scores
    assert len(upstream[1].requests) == 3


async def test_persistent_500_gives_up_after_max_retries(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["500"] * 5
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    assert caught.value.code == "server_error"
    assert len(upstream[1].requests) == 3


async def test_retry_after_longer_than_the_cap_fails_at_once(
    upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["429"]
    upstream[1].retry_after = "120"
    moderator = make(upstream[0])
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    await moderator.aclose()
    assert caught.value.code == "rate_limit_exceeded"
    assert len(upstream[1].requests) == 1


async def test_slow_upstream_is_a_timeout_after_retries(
    upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["slow"] * 3
    upstream[1].slow_s = 0.5
    moderator = make(upstream[0], timeout_s=0.2, max_retries=1)
    with pytest.raises(UpstreamTimeoutError):
        await moderator.moderate(image)
    await moderator.aclose()
    assert len(upstream[1].requests) == 2


async def test_garbage_body_is_a_bad_response(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["garbage"]
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    assert caught.value.code == "upstream_bad_response"


async def test_unreachable_upstream_is_an_upstream_error(image: bytes) -> None:
    moderator = make("http://127.0.0.1:9", max_retries=0)
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    await moderator.aclose()
    assert caught.value.code == "upstream_unreachable"


async def test_verdict_blocks_when_openai_is_down(upstream: tuple[str, UpstreamState], image: bytes) -> None:
    upstream[1].script = ["500"] * 5
    moderator = make(upstream[0], max_retries=0)
    verdict = await moderate_image(image, moderators=[moderator], settings=ModerationSettings())
    await moderator.aclose()
    assert verdict.action is Action.BLOCK
    assert verdict.categories == ("moderation.provider_error",)


async def test_verdict_blocks_explicit_image(
    moderator: OpenAIModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].openai_scores = {"sexual/minors": 0.3}
    verdict = await moderate_image(image, moderators=[moderator], settings=ModerationSettings())
    assert verdict.action is Action.BLOCK
    assert verdict.categories == ("moderation.sexual_minors",)
