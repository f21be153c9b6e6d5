"""Unit tests of the openai_moderation detector against a loopback fake of /v1/moderations.

Integration twin (compiled policies through the engine): tests/integration/policy/test_remote_detectors.py."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from limner.errors import UpstreamError
from limner.policy.detectors.remote_base import PROVIDER_ERROR
from limner.policy.detectors.remote_openai import (
    OpenAIModerationConfig,
    OpenAIModerationDetector,
    parse_scores,
)
from tests.fakes.text_moderation_upstreams import OPENAI_KEY, TextUpstreamState, closed_port_url, serve

PROMPT = "a knight who will stab the dragon"
Make = Callable[..., OpenAIModerationDetector]


class Sleeps:
    """Records the delays asked for instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


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
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make(server: tuple[str, TextUpstreamState], sleeps: Sleeps) -> AsyncIterator[Make]:
    built: list[OpenAIModerationDetector] = []

    def build(**overrides: Any) -> OpenAIModerationDetector:
        fields: dict[str, Any] = {"base_url": server[0] + "/v1", "api_key": OPENAI_KEY, **overrides}
        detector = OpenAIModerationDetector(OpenAIModerationConfig.model_validate(fields), sleep=sleeps)
        built.append(detector)
        return detector

    yield build
    for detector in built:
        await detector.aclose()


async def test_flags_unsafe_prompt_with_whole_prompt_span(make: Make, upstream: TextUpstreamState) -> None:
    upstream.triggers = {"stab": "violence"}
    found = await make().detect_async(PROMPT)
    assert [(f.category, f.start, f.end, f.score) for f in found] == [("harm.violence", 0, len(PROMPT), 0.97)]
    assert found[0].detector == "openai_moderation"
    sent = upstream.requests[-1]
    assert sent["body"] == {"model": "omni-moderation-latest", "input": PROMPT}
    assert sent["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"


async def test_safe_prompt_gives_no_finding_not_even_tiny_sexual_minors(
    make: Make, upstream: TextUpstreamState
) -> None:
    # harm.sexual_minors always blocks whatever its score, so a 0.0002 score must never become a finding
    assert await make().detect_async("a watercolor of a lighthouse") == []
    assert len(upstream.requests) == 1


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("sexual/minors", "harm.sexual_minors"),
        ("violence/graphic", "harm.gore"),
        ("self-harm/intent", "harm.self_harm"),
        ("hate/threatening", "harm.hate"),
        ("harassment", "harm.harassment"),
        ("illicit/violent", "harm.illegal"),
        ("sexual", "harm.sexual"),
    ],
)
async def test_vendor_labels_fold_onto_harm_categories(
    make: Make, upstream: TextUpstreamState, label: str, category: str
) -> None:
    upstream.triggers = {"stab": label}
    assert [f.category for f in await make().detect_async(PROMPT)] == [category]


async def test_per_category_threshold_replaces_min_score(make: Make, upstream: TextUpstreamState) -> None:
    upstream.triggers = {"stab": "violence"}
    assert await make(thresholds={"harm.violence": 0.99}).detect_async(PROMPT) == []


async def test_retries_429_after_the_delay_the_server_asks(
    make: Make, upstream: TextUpstreamState, sleeps: Sleeps
) -> None:
    upstream.triggers = {"stab": "violence"}
    upstream.script = ["429"]
    upstream.retry_after = "1"
    found = await make().detect_async(PROMPT)
    assert [f.category for f in found] == ["harm.violence"]
    assert sleeps.calls == [1.0]
    assert len(upstream.requests) == 2


async def test_retry_after_beyond_the_cap_fails_closed_at_once(
    make: Make, upstream: TextUpstreamState, sleeps: Sleeps
) -> None:
    upstream.script = ["429"]
    upstream.retry_after = "60"
    found = await make().detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]
    assert sleeps.calls == []
    assert len(upstream.requests) == 1


async def test_retries_500_with_jittered_backoff(
    make: Make, upstream: TextUpstreamState, sleeps: Sleeps
) -> None:
    upstream.script = ["500", "500"]
    upstream.triggers = {"stab": "violence"}
    found = await make(http={"backoff_initial_s": 0.2, "backoff_max_s": 2.0}).detect_async(PROMPT)
    assert [f.category for f in found] == ["harm.violence"]
    assert 0.1 <= sleeps.calls[0] <= 0.2
    assert 0.2 <= sleeps.calls[1] <= 0.4


async def test_persistent_500_fails_closed_with_provider_error(
    make: Make, upstream: TextUpstreamState
) -> None:
    upstream.script = ["500"] * 3
    found = await make().detect_async(PROMPT)
    assert [(f.category, f.start, f.end, f.score) for f in found] == [(PROVIDER_ERROR, 0, len(PROMPT), 1.0)]
    assert len(upstream.requests) == 3


async def test_timeout_fails_closed(make: Make, upstream: TextUpstreamState) -> None:
    upstream.script = ["slow"]
    upstream.slow_s = 1.0
    found = await make(http={"timeout_s": 0.2, "max_retries": 0}).detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]


async def test_garbage_body_fails_closed(make: Make, upstream: TextUpstreamState) -> None:
    upstream.script = ["garbage"]
    assert [f.category for f in await make().detect_async(PROMPT)] == [PROVIDER_ERROR]


async def test_wrong_key_is_not_retried_and_fails_closed(make: Make, upstream: TextUpstreamState) -> None:
    found = await make(api_key="sk-wrong").detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]
    assert len(upstream.requests) == 1


async def test_on_error_allow_fails_open(make: Make, upstream: TextUpstreamState) -> None:
    upstream.script = ["500"] * 3
    assert await make(on_error="allow").detect_async(PROMPT) == []


async def test_unreachable_provider_fails_closed_and_logs_neither_prompt_nor_key(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="limner.policy.remote")
    found = await make(base_url=closed_port_url(), http={"max_retries": 1}).detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]
    assert "UpstreamError (upstream_unreachable)" in caplog.text
    assert "stab" not in caplog.text
    assert OPENAI_KEY not in caplog.text


async def test_blank_prompt_is_not_sent(make: Make, upstream: TextUpstreamState) -> None:
    assert await make().detect_async("   ") == []
    assert upstream.requests == []


async def test_pool_reopens_after_aclose(make: Make, upstream: TextUpstreamState) -> None:
    detector = make()
    await detector.detect_async(PROMPT)
    await detector.aclose()
    upstream.triggers = {"stab": "violence"}
    assert [f.category for f in await detector.detect_async(PROMPT)] == ["harm.violence"]


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"results": []},
        {"results": [{"category_scores": {"renamed": 0.9}}]},
        [1],
        {"results": [{"category_scores": {"sexual": "x"}}]},
    ],
)
def test_unexpected_answer_shape_is_an_upstream_error(answer: Any) -> None:
    with pytest.raises(UpstreamError) as caught:
        parse_scores(answer, "openai_moderation")
    assert caught.value.code == "upstream_bad_response"


def test_scores_are_clamped_and_folded_to_the_highest_label() -> None:
    answer = {"results": [{"category_scores": {"self-harm": 0.2, "self-harm/intent": 1.7, "hate": -1}}]}
    assert parse_scores(answer, "p") == {"harm.self_harm": 1.0, "harm.hate": 0.0}


def test_config_refuses_unknown_threshold_category() -> None:
    with pytest.raises(ValueError, match="unknown harm categories"):
        OpenAIModerationConfig.model_validate({"api_key": "k", "thresholds": {"harm.nope": 0.5}})
