"""Unit tests of the azure_content_safety_text detector against a loopback fake of text:analyze.

Integration twin: tests/integration/policy/test_remote_detectors.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from limner.errors import UpstreamError
from limner.policy.detectors.remote_azure import (
    MAX_CHARS,
    AzureContentSafetyTextConfig,
    AzureContentSafetyTextDetector,
    parse_scores,
)
from limner.policy.detectors.remote_base import PROVIDER_ERROR
from tests.fakes.text_moderation_upstreams import AZURE_KEY, TextUpstreamState, serve

PROMPT = "a crowd shouting slurs at a family"
Make = Callable[..., AzureContentSafetyTextDetector]


async def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, TextUpstreamState]]:
    state = TextUpstreamState()
    with serve(state) as url:
        yield url, state


@pytest.fixture
def upstream(server: tuple[str, TextUpstreamState]) -> TextUpstreamState:
    server[1].reset()
    return server[1]


@pytest.fixture
async def make(server: tuple[str, TextUpstreamState]) -> AsyncIterator[Make]:
    built: list[AzureContentSafetyTextDetector] = []

    def build(**overrides: Any) -> AzureContentSafetyTextDetector:
        fields: dict[str, Any] = {"endpoint": server[0] + "/", "api_key": AZURE_KEY, **overrides}
        config = AzureContentSafetyTextConfig.model_validate(fields)
        built.append(detector := AzureContentSafetyTextDetector(config, sleep=no_sleep))
        return detector

    yield build
    for detector in built:
        await detector.aclose()


async def test_high_severity_blocks_with_vendor_request_shape(
    make: Make, upstream: TextUpstreamState
) -> None:
    upstream.triggers = {"slurs": "Hate"}
    found = await make().detect_async(PROMPT)
    assert [(f.category, f.start, f.end, f.score) for f in found] == [("harm.hate", 0, len(PROMPT), 1.0)]
    sent = upstream.requests[-1]
    assert sent["query"] == {"api-version": "2024-09-01"}
    assert sent["headers"]["ocp-apim-subscription-key"] == AZURE_KEY
    assert sent["body"] == {
        "text": PROMPT,
        "categories": ["Hate", "SelfHarm", "Sexual", "Violence"],
        "outputType": "FourSeverityLevels",
    }


async def test_safe_prompt_gives_no_finding(make: Make, upstream: TextUpstreamState) -> None:
    assert await make().detect_async("a bowl of fruit") == []


async def test_only_configured_categories_are_asked(make: Make, upstream: TextUpstreamState) -> None:
    upstream.triggers = {"slurs": "Hate"}
    assert await make(categories=["Sexual"]).detect_async(PROMPT) == []
    assert upstream.requests[-1]["body"]["categories"] == ["Sexual"]


async def test_long_prompt_is_sent_in_pieces_and_findings_span_their_piece(
    make: Make, upstream: TextUpstreamState
) -> None:
    text = "a" * MAX_CHARS + " then slurs"
    upstream.triggers = {"slurs": "Hate"}
    found = await make().detect_async(text)
    assert [(f.category, f.start, f.end) for f in found] == [("harm.hate", MAX_CHARS, len(text))]
    assert sorted(len(r["body"]["text"]) for r in upstream.requests) == [len(text) - MAX_CHARS, MAX_CHARS]


@pytest.mark.parametrize("mode", ["429", "500", "garbage"])
async def test_one_transient_failure_is_retried(make: Make, upstream: TextUpstreamState, mode: str) -> None:
    upstream.triggers = {"slurs": "Hate"}
    upstream.script = [mode]
    assert [f.category for f in await make().detect_async(PROMPT)] == (
        [PROVIDER_ERROR] if mode == "garbage" else ["harm.hate"]
    )


async def test_exhausted_retries_fail_closed(make: Make, upstream: TextUpstreamState) -> None:
    upstream.script = ["429"] * 3
    assert [f.category for f in await make().detect_async(PROMPT)] == [PROVIDER_ERROR]
    assert len(upstream.requests) == 3


async def test_timeout_fails_closed(make: Make, upstream: TextUpstreamState) -> None:
    upstream.script = ["slow"]
    upstream.slow_s = 1.0
    found = await make(http={"timeout_s": 0.2, "max_retries": 0}).detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]


async def test_wrong_api_version_is_not_retried(make: Make, upstream: TextUpstreamState) -> None:
    found = await make(api_version="2023-10-01").detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]
    assert len(upstream.requests) == 1


async def test_on_error_allow_fails_open(make: Make, upstream: TextUpstreamState) -> None:
    assert await make(api_key="wrong", on_error="allow").detect_async(PROMPT) == []


@pytest.mark.parametrize(("severity", "score"), [(0, 0.0), (2, 1 / 3), (4, 2 / 3), (6, 1.0), (9, 1.0)])
def test_severities_become_scores(severity: int, score: float) -> None:
    answer = {"categoriesAnalysis": [{"category": "Violence", "severity": severity}]}
    assert parse_scores(answer, "p") == {"harm.violence": pytest.approx(score)}


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"categoriesAnalysis": []},
        {"categoriesAnalysis": [{"category": "Hate"}]},
        {"error": {"code": "x"}},
    ],
)
def test_unexpected_answer_shape_is_an_upstream_error(answer: Any) -> None:
    with pytest.raises(UpstreamError) as caught:
        parse_scores(answer, "p")
    assert caught.value.code == "upstream_bad_response"


def test_config_refuses_unknown_azure_category() -> None:
    with pytest.raises(ValueError, match="categories"):
        AzureContentSafetyTextConfig.model_validate(
            {"endpoint": "https://x", "api_key": "k", "categories": ["Gore"]}
        )
