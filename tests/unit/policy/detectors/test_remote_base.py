"""Unit tests of what the remote detectors share (failing closed, thresholds, retry timing) and of
the engine running async detectors beside sync ones. No network: scripted detectors only.

Vendor fakes: tests/unit/policy/detectors/test_remote_{openai,azure,llama_guard}.py;
compiled policies: tests/integration/policy/test_remote_detectors.py."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from limner.errors import ConfigError
from limner.imaging.actions import Action
from limner.policy.detectors._remote_http import RemoteOptions
from limner.policy.detectors.base import AsyncDetector
from limner.policy.detectors.remote_base import PROVIDER_ERROR, RemoteCheckConfig, fail_safe, scored_findings
from limner.policy.document import parse_policy
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import Finding, PolicyContext
from limner.upstream import backoff_delay, retry_delay

POLICY = """
detectors: []
rules:
  "*": {action: allow}
  secret.*: {action: block}
  harm.*: {action: block, threshold: 0.5}
"""


class ScriptedSync:
    name = "sync"

    def detect(self, text: str) -> list[Finding]:
        return [Finding("sync", "secret.token", 0, 3, 1.0)] if text.startswith("key") else []


class ScriptedRemote:
    """An async detector that answers after a delay and counts its calls and closes."""

    def __init__(self, name: str, category: str | None, delay_s: float = 0.0) -> None:
        self.name = name
        self.category = category
        self.delay_s = delay_s
        self.closed = 0

    async def detect_async(self, text: str) -> list[Finding]:
        await asyncio.sleep(self.delay_s)
        return [] if self.category is None else [Finding(self.name, self.category, 0, len(text), 0.9)]

    async def aclose(self) -> None:
        self.closed += 1


def engine(*detectors: ScriptedSync | ScriptedRemote) -> PolicyEngine:
    return PolicyEngine(parse_policy(POLICY), list(detectors), version="v-remote")


def test_scripted_remote_satisfies_the_async_protocol() -> None:
    assert isinstance(ScriptedRemote("r", None), AsyncDetector)
    assert not isinstance(ScriptedSync(), AsyncDetector)


async def test_evaluate_combines_sync_and_async_findings() -> None:
    policy = engine(ScriptedSync(), ScriptedRemote("remote", "harm.violence"))
    decision = await policy.evaluate("key and a battle", context=PolicyContext())
    assert decision.action is Action.BLOCK
    assert decision.categories == ("harm.violence", "secret.token")


async def test_remote_checks_run_concurrently() -> None:
    slow = [ScriptedRemote(f"r{i}", None, delay_s=0.3) for i in range(3)]
    started = time.monotonic()
    await engine(*slow).decide_async("text", PolicyContext())
    assert time.monotonic() - started < 0.8


def test_sync_decide_refuses_a_policy_with_remote_detectors() -> None:
    policy = engine(ScriptedSync(), ScriptedRemote("openai_moderation", None))
    assert policy.is_remote
    with pytest.raises(ConfigError, match="openai_moderation"):
        policy.decide("text", PolicyContext())


def test_sync_only_policy_still_decides_synchronously() -> None:
    policy = engine(ScriptedSync())
    assert not policy.is_remote
    assert policy.decide("key", PolicyContext()).action is Action.BLOCK


async def test_aclose_closes_only_remote_detectors() -> None:
    remote = ScriptedRemote("r", None)
    await engine(ScriptedSync(), remote).aclose()
    assert remote.closed == 1


async def test_any_exception_fails_closed_with_a_provider_error() -> None:
    async def broken() -> list[Finding]:
        raise RuntimeError("bug")

    found = await fail_safe("d", "some prompt", "block", broken)
    assert found == [Finding("d", PROVIDER_ERROR, 0, 11, 1.0)]
    assert await fail_safe("d", "some prompt", "allow", broken) == []


async def test_provider_error_blocks_under_a_harm_wildcard_rule() -> None:
    class Failing(ScriptedRemote):
        async def detect_async(self, text: str) -> list[Finding]:
            async def broken() -> list[Finding]:
                raise TimeoutError

            return await fail_safe(self.name, text, "block", broken)

    decision = await engine(Failing("f", None)).decide_async("a quiet lake", PolicyContext())
    assert decision.action is Action.BLOCK
    assert decision.categories == (PROVIDER_ERROR,)


def test_scored_findings_apply_min_score_and_per_category_thresholds() -> None:
    config = RemoteCheckConfig(min_score=0.3, thresholds={"harm.sexual_minors": 0.1})
    scores = {"harm.sexual_minors": 0.15, "harm.hate": 0.2, "harm.violence": 0.31, "harm.gore": 0.0}
    found = scored_findings("d", "abc", scores, config)
    assert [(f.category, f.score) for f in found] == [("harm.sexual_minors", 0.15), ("harm.violence", 0.31)]


def test_backoff_is_jittered_within_the_exponential_ceiling() -> None:
    options = RemoteOptions(backoff_initial_s=0.2, backoff_max_s=0.5).retry_policy()
    for attempt, ceiling in [(0, 0.2), (1, 0.4), (2, 0.5), (5, 0.5)]:
        delays = {backoff_delay(options, attempt) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


@pytest.mark.parametrize(
    ("status", "retried"), [(400, False), (401, False), (408, True), (429, True), (503, True)]
)
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    response = httpx.Response(status, headers={"retry-after": "0"})
    assert (retry_delay(RemoteOptions().retry_policy(), response, 0) is not None) is retried
    assert retry_delay(RemoteOptions(max_retries=1).retry_policy(), response, 1) is None
