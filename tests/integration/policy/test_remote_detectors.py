"""Integration tests: policies that name remote harm detectors, compiled and evaluated end to end
against loopback fakes of the vendors (OpenAI moderation, Azure Content Safety, Llama Guard).

Unit twins: tests/unit/policy/detectors/test_remote_*.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from limner.errors import ConfigError
from limner.imaging.actions import Action
from limner.policy.compile import compile_policy
from limner.policy.detectors.remote_base import PROVIDER_ERROR
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import PolicyContext
from tests.fakes.text_moderation_upstreams import (
    AZURE_KEY,
    GUARD_KEY,
    OPENAI_KEY,
    TextUpstreamState,
    closed_port_url,
    serve,
)

POLICY = """
name: remote-harm
detectors:
  - kind: secrets
  - kind: openai_moderation
    base_url: {base_url}/v1
    api_key: {api_key}
    on_error: {on_error}
    http: {{max_retries: 1, backoff_initial_s: 0.01}}
rules:
  "*": {{action: allow}}
  secret.*: {{action: block}}
  harm.*: {{action: block, threshold: 0.5}}
  harm.shocking: {{action: review, threshold: 0.5}}
"""
ALL_THREE = """
detectors:
  - kind: openai_moderation
    base_url: {url}/v1
    api_key: {openai_key}
  - kind: azure_content_safety_text
    endpoint: {url}
    api_key: {azure_key}
  - kind: llama_guard
    base_url: {url}/v1
    api_key: {guard_key}
rules:
  "*": {{action: allow}}
  harm.*: {{action: block}}
"""
CONTEXT = PolicyContext()


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, TextUpstreamState]]:
    state = TextUpstreamState()
    with serve(state) as url:
        yield url, state


@pytest.fixture
def upstream(server: tuple[str, TextUpstreamState]) -> TextUpstreamState:
    server[1].reset()
    server[1].triggers = {"behead": "violence/graphic", "slurs": "Hate", "bomb": "S9"}
    return server[1]


@pytest.fixture
async def engines() -> AsyncIterator[list[PolicyEngine]]:
    built: list[PolicyEngine] = []
    yield built
    for engine in built:
        await engine.aclose()


def compiled(engines: list[PolicyEngine], text: str) -> PolicyEngine:
    engine = compile_policy(text, version="v-remote")
    engines.append(engine)
    return engine


def policy(base_url: str, *, api_key: str = OPENAI_KEY, on_error: str = "block") -> str:
    return POLICY.format(base_url=base_url, api_key=api_key, on_error=on_error)


async def test_openai_moderation_blocks_an_unsafe_prompt(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    engine = compiled(engines, policy(server[0]))
    decision = await engine.evaluate("a knight about to behead a prisoner", context=CONTEXT)
    assert decision.action is Action.BLOCK
    assert decision.categories == ("harm.gore",)
    assert decision.findings[0].finding.detector == "openai_moderation"


async def test_safe_prompt_is_allowed(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    decision = await compiled(engines, policy(server[0])).evaluate("a lighthouse at dawn", context=CONTEXT)
    assert decision.action is Action.ALLOW
    assert len(upstream.requests) == 1


async def test_local_and_remote_findings_are_decided_together(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    key = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    decision = await compiled(engines, policy(server[0])).evaluate(f"behead {key}", context=CONTEXT)
    assert decision.categories == ("harm.gore", "secret.github")


async def test_fails_closed_when_the_provider_is_down(engines: list[PolicyEngine]) -> None:
    decision = await compiled(engines, policy(closed_port_url())).evaluate("a lighthouse", context=CONTEXT)
    assert decision.action is Action.BLOCK
    assert decision.categories == (PROVIDER_ERROR,)


async def test_fails_closed_on_a_rejected_key(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    engine = compiled(engines, policy(server[0], api_key="sk-revoked"))
    assert (await engine.evaluate("a lighthouse", context=CONTEXT)).categories == (PROVIDER_ERROR,)


async def test_on_error_allow_lets_prompts_through_when_the_provider_is_down(
    engines: list[PolicyEngine],
) -> None:
    engine = compiled(engines, policy(closed_port_url(), on_error="allow"))
    assert (await engine.evaluate("a lighthouse", context=CONTEXT)).action is Action.ALLOW


async def test_different_api_keys_never_share_a_compiled_detector(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    good = compiled(engines, policy(server[0]))
    revoked = compiled(engines, policy(server[0], api_key="sk-other"))
    assert good.detectors[1] is not revoked.detectors[1]
    assert compiled(engines, policy(server[0])).detectors[1] is good.detectors[1]
    assert (await good.evaluate("a lighthouse", context=CONTEXT)).action is Action.ALLOW


async def test_all_three_providers_in_one_policy(
    server: tuple[str, TextUpstreamState], upstream: TextUpstreamState, engines: list[PolicyEngine]
) -> None:
    text = ALL_THREE.format(url=server[0], openai_key=OPENAI_KEY, azure_key=AZURE_KEY, guard_key=GUARD_KEY)
    engine = compiled(engines, text)
    decision = await engine.evaluate("slurs, a bomb and a plan to behead", context=CONTEXT)
    by_detector = {(r.finding.detector, r.finding.category) for r in decision.findings}
    assert by_detector == {
        ("openai_moderation", "harm.gore"),
        ("azure_content_safety_text", "harm.hate"),
        ("llama_guard", "harm.violence"),
    }
    assert len(upstream.requests) == 3


def test_sync_decide_refuses_a_remote_policy(server: tuple[str, TextUpstreamState]) -> None:
    engine = compile_policy(policy(server[0]), version="v-sync")
    with pytest.raises(ConfigError, match="remote detectors"):
        engine.decide("a lighthouse", CONTEXT)


@pytest.mark.parametrize(
    ("detector", "message"),
    [
        ("{kind: openai_moderation}", "api_key"),
        ("{kind: llama_guard, base_url: 'http://x', on_error: maybe}", "on_error"),
        (
            "{kind: azure_content_safety_text, endpoint: 'http://x', api_key: k, http: {timeout_s: 0}}",
            "timeout_s",
        ),
    ],
)
def test_a_broken_remote_detector_config_refuses_to_load(detector: str, message: str) -> None:
    text = f"detectors: [{detector}]\nrules: {{'*': {{action: block}}}}\n"
    with pytest.raises(ConfigError, match=message):
        compile_policy(text, version="v-bad")
