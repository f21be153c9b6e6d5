"""Integration tests: the azure_content_safety moderator against a loopback fake of image:analyze.

Severity mapping and resizing alone are unit-tested in tests/unit/moderation/test_parsing.py."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr

from limner.errors import UpstreamError, UpstreamTimeoutError
from limner.imaging.actions import Action
from limner.moderation.config import ModerationSettings
from limner.moderation.providers._http import HttpOptions
from limner.moderation.providers.azure_content_safety import (
    AzureContentSafetyConfig,
    AzureContentSafetyModerator,
)
from limner.moderation.service import moderate_image
from tests.fakes.moderation_upstreams import AZURE_KEY, UpstreamState

FAST = HttpOptions(timeout_s=0.5, max_retries=2, backoff_initial_s=0.01, backoff_max_s=0.02)


def make(base_url: str, key: str = AZURE_KEY, **overrides: Any) -> AzureContentSafetyModerator:
    http = FAST.model_copy(update=overrides.pop("http", {}))
    config = AzureContentSafetyConfig(endpoint=base_url + "/", api_key=SecretStr(key), http=http, **overrides)
    return AzureContentSafetyModerator(config)


@pytest.fixture
async def moderator(
    upstream: tuple[str, UpstreamState],
) -> AsyncIterator[AzureContentSafetyModerator]:
    moderator = make(upstream[0])
    yield moderator
    await moderator.aclose()


async def test_severities_become_scores(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].azure_severities = {"Sexual": 6, "Violence": 2}
    result = await moderator.moderate(image)
    assert result.scores == pytest.approx({"hate": 0.0, "self_harm": 0.0, "sexual": 1.0, "violence": 1 / 3})


async def test_request_has_key_header_api_version_and_base64_image(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    await moderator.moderate(image)
    [request] = upstream[1].requests
    assert request["headers"]["ocp-apim-subscription-key"] == AZURE_KEY
    assert request["query"] == {"api-version": "2024-09-01"}
    assert base64.b64decode(request["body"]["image"]["content"]) == image
    assert request["body"]["categories"] == ["Hate", "SelfHarm", "Sexual", "Violence"]
    assert request["body"]["outputType"] == "FourSeverityLevels"


async def test_only_configured_categories_are_requested(
    upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    moderator = make(upstream[0], categories=["Sexual"])
    result = await moderator.moderate(image)
    await moderator.aclose()
    assert set(result.scores) == {"sexual"}


async def test_oversized_image_is_shrunk_before_upload(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState]
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4096, 1024), (10, 200, 10)).save(buffer, format="PNG")
    await moderator.moderate(buffer.getvalue())
    sent = base64.b64decode(upstream[1].requests[0]["body"]["image"]["content"])
    with Image.open(io.BytesIO(sent)) as decoded:
        assert decoded.size == (2048, 512)


async def test_wrong_key_is_an_upstream_error_without_the_key(
    upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    moderator = make(upstream[0], key="leaky-key-123")
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    await moderator.aclose()
    assert caught.value.code == "401"
    assert "leaky-key-123" not in caught.value.message


async def test_wrong_api_version_is_not_found(upstream: tuple[str, UpstreamState], image: bytes) -> None:
    moderator = make(upstream[0], api_version="2020-01-01")
    with pytest.raises(UpstreamError, match="HTTP 404"):
        await moderator.moderate(image)
    await moderator.aclose()


async def test_throttling_is_retried_honouring_retry_after(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["429"]
    upstream[1].retry_after = "0.05"
    result = await moderator.moderate(image)
    assert "sexual" in result.scores
    assert len(upstream[1].requests) == 2


async def test_persistent_internal_error_keeps_the_vendor_code(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["500"] * 5
    with pytest.raises(UpstreamError) as caught:
        await moderator.moderate(image)
    assert caught.value.code == "InternalError"
    assert len(upstream[1].requests) == 3


async def test_slow_service_times_out(upstream: tuple[str, UpstreamState], image: bytes) -> None:
    upstream[1].script = ["slow"] * 3
    upstream[1].slow_s = 0.5
    moderator = make(upstream[0], http={"timeout_s": 0.2, "max_retries": 0})
    with pytest.raises(UpstreamTimeoutError):
        await moderator.moderate(image)
    await moderator.aclose()


async def test_garbage_answer_fails_closed_in_the_verdict(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].script = ["garbage"]
    verdict = await moderate_image(image, moderators=[moderator], settings=ModerationSettings())
    assert verdict.action is Action.BLOCK
    assert verdict.failed_providers == ("azure_content_safety",)


async def test_medium_sexual_severity_goes_to_review(
    moderator: AzureContentSafetyModerator, upstream: tuple[str, UpstreamState], image: bytes
) -> None:
    upstream[1].azure_severities = {"Sexual": 4}
    verdict = await moderate_image(image, moderators=[moderator], settings=ModerationSettings())
    assert verdict.action is Action.REVIEW
    assert verdict.categories == ("moderation.sexual",)
