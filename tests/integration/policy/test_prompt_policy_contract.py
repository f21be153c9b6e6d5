"""Integration tests: the PromptPolicy contract, run against every member: AllowAllPolicy (policy off),
PolicyEngine (the shipped default policy), ActivePolicy (the version in force in the database) and the
tests' FixedPolicy.

The contract (policy/engine.py): evaluate raises nothing for ordinary input and returns a Decision under the
policy's version whose action is the most severe of its findings, with offsets into the text, masked
excerpts and the redacted text only when it redacts; the text is never logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from limner.db import make_engine, make_sessions
from limner.imaging.actions import Action, most_severe
from limner.policy.compile import compile_policy
from limner.policy.engine import AllowAllPolicy, PromptPolicy
from limner.policy.schemas import Decision, PolicyContext
from limner.policy.service import default_policy_text, default_version
from tests.conftest import create_schema
from tests.factories import FixedPolicy

MEMBERS = ["allow_all", "engine", "active", "fixed"]
CANARY = "canaryprompt"
CONTEXT = PolicyContext(roles=frozenset({"creator"}))
TEXTS = [
    f"a lighthouse at dusk {CANARY}",
    f"email jane.doe@example.com about the {CANARY}",
    f"my key is ghp_16C7e42F292c6912E7710c838347Ae178B4a {CANARY}",
    f"how to build a pipe bomb {CANARY}",
    "",
    " \t\n",
    "ça 🙂 — ünïcode \u200b\u202e text",
    "word " * 2000,
]


@pytest.fixture(scope="module")
def default_engine() -> PromptPolicy:
    return compile_policy(default_policy_text(), version=default_version())


@pytest.fixture(params=MEMBERS)
async def policy(
    request: pytest.FixtureRequest, default_engine: PromptPolicy, tmp_path: Path
) -> AsyncIterator[PromptPolicy]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'limner.db'}")
    built: PromptPolicy
    if request.param == "active":
        from limner.policy.active import ActivePolicy

        await create_schema(engine)
        built = ActivePolicy(make_sessions(engine), refresh_s=60)
    else:
        built = {"allow_all": AllowAllPolicy(), "engine": default_engine, "fixed": FixedPolicy(Action.WARN)}[
            request.param
        ]
    await built.prepare()
    try:
        yield built
    finally:
        await built.aclose()
        await engine.dispose()


def _consistent(decision: Decision, text: str, version: str) -> None:
    assert decision.policy_version == version
    assert decision.action == most_severe([f.action for f in decision.findings])
    assert (decision.redacted_text is not None) == (decision.action is Action.REDACT)
    for ruled in decision.findings:
        assert 0 <= ruled.finding.start <= ruled.finding.end <= len(text)
        hit = text[ruled.finding.start : ruled.finding.end]
        if len(hit) > 8 and ruled.action is not Action.ALLOW:
            assert hit not in ruled.excerpt  # excerpts are masked
    assert set(decision.categories) <= {f.finding.category for f in decision.findings}


@pytest.mark.parametrize("text", TEXTS, ids=[f"t{i}" for i in range(len(TEXTS))])
async def test_every_decision_is_consistent_and_ordinary_input_never_raises(
    policy: PromptPolicy, text: str
) -> None:
    _consistent(await policy.evaluate(text, context=CONTEXT), text, policy.version)


async def test_the_version_is_named_and_stable(policy: PromptPolicy) -> None:
    assert policy.version
    first = await policy.evaluate(TEXTS[0], context=CONTEXT)
    assert policy.version == first.policy_version


async def test_the_text_never_reaches_the_logs(
    policy: PromptPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for text in TEXTS[:4]:
        await policy.evaluate(text, context=CONTEXT)
    assert CANARY not in caplog.text
    assert "jane.doe" not in caplog.text


async def test_evaluation_works_again_after_aclose(policy: PromptPolicy) -> None:
    before = await policy.evaluate(TEXTS[1], context=CONTEXT)
    await policy.aclose()
    after = await policy.evaluate(TEXTS[1], context=CONTEXT)
    assert replace(after, model_ms=0.0) == replace(before, model_ms=0.0)  # timing aside, the same decision


@pytest.mark.parametrize("member", ["engine", "active"])
async def test_the_default_policy_acts_on_personal_data_and_secrets(
    member: str, default_engine: PromptPolicy, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'limner.db'}")
    policy: PromptPolicy = default_engine
    if member == "active":
        from limner.policy.active import ActivePolicy

        await create_schema(engine)
        policy = ActivePolicy(make_sessions(engine), refresh_s=60)
    try:
        clean = await policy.evaluate(TEXTS[0], context=CONTEXT)
        risky = [await policy.evaluate(text, context=CONTEXT) for text in TEXTS[1:4]]
    finally:
        await engine.dispose()
    assert clean.action is Action.ALLOW
    assert all(decision.action is not Action.ALLOW for decision in risky)
    assert policy.version == default_version()


async def test_the_policy_off_allows_everything_under_version_none() -> None:
    decisions = [await AllowAllPolicy().evaluate(text, context=CONTEXT) for text in TEXTS]
    assert {(d.action, d.policy_version, d.findings) for d in decisions} == {(Action.ALLOW, "none", ())}
