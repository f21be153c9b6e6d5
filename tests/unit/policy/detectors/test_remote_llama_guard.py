"""Unit tests of the llama_guard detector against a loopback OpenAI-compatible chat server.

Integration twin: tests/integration/policy/test_remote_detectors.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from limner.errors import UpstreamError
from limner.policy.detectors.remote_base import PROVIDER_ERROR
from limner.policy.detectors.remote_llama_guard import LlamaGuardConfig, LlamaGuardDetector, parse_verdict
from tests.fakes.text_moderation_upstreams import GUARD_KEY, GUARD_MODEL, TextUpstreamState, serve

PROMPT = "a teenager in a bikini, explicit"
Make = Callable[..., LlamaGuardDetector]


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
    built: list[LlamaGuardDetector] = []

    def build(**overrides: Any) -> LlamaGuardDetector:
        fields: dict[str, Any] = {"base_url": server[0] + "/v1", "api_key": GUARD_KEY, **overrides}
        built.append(detector := LlamaGuardDetector(LlamaGuardConfig.model_validate(fields), sleep=no_sleep))
        return detector

    yield build
    for detector in built:
        await detector.aclose()


async def test_unsafe_verdict_maps_codes_to_harm_categories(make: Make, upstream: TextUpstreamState) -> None:
    upstream.triggers = {"teenager": "S4", "explicit": "S12"}
    found = await make().detect_async(PROMPT)
    assert [(f.category, f.start, f.end, f.score) for f in found] == [
        ("harm.sexual", 0, len(PROMPT), 1.0),
        ("harm.sexual_minors", 0, len(PROMPT), 1.0),
    ]
    sent = upstream.requests[-1]
    assert sent["body"] == {
        "model": GUARD_MODEL,
        "messages": [{"role": "user", "content": PROMPT}],
        "temperature": 0,
        "max_tokens": 32,
    }
    assert sent["headers"]["authorization"] == f"Bearer {GUARD_KEY}"


async def test_safe_verdict_gives_no_finding(make: Make, upstream: TextUpstreamState) -> None:
    assert await make().detect_async("a cat on a sofa") == []


@pytest.mark.parametrize(
    ("codes", "categories"),
    [
        ("S1", ["harm.violence"]),
        ("S9", ["harm.violence"]),
        ("S2,S3", ["harm.illegal"]),
        ("S10", ["harm.hate"]),
        ("S11", ["harm.self_harm"]),
        ("S5", ["harm.shocking"]),
        ("S13", ["harm.shocking"]),
        ("S6,S7,S8,S14", []),
        ("S15", ["harm.shocking"]),  # a code newer than the map is never ignored
    ],
)
async def test_hazard_code_table(
    make: Make, upstream: TextUpstreamState, codes: str, categories: list[str]
) -> None:
    upstream.guard_reply = f"unsafe\n{codes}"
    assert [f.category for f in await make().detect_async(PROMPT)] == categories


async def test_code_map_and_unknown_category_are_configurable(
    make: Make, upstream: TextUpstreamState
) -> None:
    upstream.guard_reply = "unsafe\nS7,S15"
    detector = make(codes={"S7": "harm.harassment"}, unknown_category="harm.illegal")
    assert [f.category for f in await detector.detect_async(PROMPT)] == ["harm.harassment", "harm.illegal"]


@pytest.mark.parametrize("reply", ["I can't help with that.", "unsafe\nviolence", ""])
async def test_an_answer_that_is_not_a_verdict_fails_closed(
    make: Make, upstream: TextUpstreamState, reply: str
) -> None:
    upstream.guard_reply = reply or " "
    assert [f.category for f in await make().detect_async(PROMPT)] == [PROVIDER_ERROR]


async def test_unknown_model_is_a_provider_error(make: Make, upstream: TextUpstreamState) -> None:
    assert [f.category for f in await make(model="llama-guard-9").detect_async(PROMPT)] == [PROVIDER_ERROR]
    assert len(upstream.requests) == 1


async def test_missing_key_fails_closed(make: Make, upstream: TextUpstreamState) -> None:
    assert [f.category for f in await make(api_key=None).detect_async(PROMPT)] == [PROVIDER_ERROR]
    assert "authorization" not in upstream.requests[-1]["headers"]


@pytest.mark.parametrize("mode", ["429", "500"])
async def test_transient_failure_is_retried(make: Make, upstream: TextUpstreamState, mode: str) -> None:
    upstream.script = [mode]
    upstream.triggers = {"teenager": "S4"}
    assert [f.category for f in await make().detect_async(PROMPT)] == ["harm.sexual_minors"]


@pytest.mark.parametrize("mode", ["slow", "garbage"])
async def test_slow_or_garbage_fails_closed(make: Make, upstream: TextUpstreamState, mode: str) -> None:
    upstream.script = [mode]
    upstream.slow_s = 1.0
    found = await make(http={"timeout_s": 0.2, "max_retries": 0}).detect_async(PROMPT)
    assert [f.category for f in found] == [PROVIDER_ERROR]


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        ("safe", []),
        ("\n\nsafe", []),
        ("unsafe\nS1", ["S1"]),
        ("unsafe\nS1,S10", ["S1", "S10"]),
        (" unsafe \n s2 , S3 \n", ["S2", "S3"]),
        ("unsafe", ["?"]),
    ],
)
def test_parse_verdict(content: str, codes: list[str]) -> None:
    assert parse_verdict(content, "p") == codes


@pytest.mark.parametrize("content", ["", "Safe enough", "unsafe\nS1 S2", "unsafe\nhate"])
def test_parse_verdict_refuses_other_answers(content: str) -> None:
    with pytest.raises(UpstreamError):
        parse_verdict(content, "p")


@pytest.mark.parametrize(
    "fields",
    [
        {"codes": {"S1": "harm.bogus"}},
        {"codes": {"violence": "harm.violence"}},
        {"unknown_category": "pii.email"},
    ],
)
def test_config_refuses_unknown_codes_and_categories(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"unknown harm category|hazard codes"):
        LlamaGuardConfig.model_validate({"base_url": "http://x", **fields})
