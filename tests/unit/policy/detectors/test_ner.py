"""The optional spaCy name finder: PERSON entities, which the policy puts through the people logic."""

from __future__ import annotations

import pytest

from limner.imaging.actions import Action
from limner.policy.compile import compile_policy
from limner.policy.detectors.ner import NerConfig, NerDetector
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import PolicyContext
from limner.policy.service import default_policy_text

POLICY = default_policy_text().replace("  - kind: people\n", "  - kind: people\n  - kind: ner_names\n")


@pytest.fixture(scope="module")
def detector() -> NerDetector:
    return NerDetector(NerConfig())


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return compile_policy(POLICY, version="with-ner")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("send the invoice to Ingrid Halvorsen at the Oslo office", ["Ingrid Halvorsen"]),
        ("a portrait of John Smith, oil painting", ["John Smith"]),
        ("a cat sleeping on a sofa", []),
        ("", []),
    ],
)
def test_person_entities_become_pii_person(detector: NerDetector, text: str, names: list[str]) -> None:
    found = detector.detect(text)
    assert [text[f.start : f.end] for f in found] == names
    assert all(f.category == "pii.person" and f.detector == "ner" for f in found)


@pytest.mark.parametrize(
    ("text", "categories", "action"),
    [
        ("a letter to Ingrid Halvorsen about the garden", {"person.named"}, Action.WARN),
        ("Tiago Wojcik will pick it up tomorrow", {"person.named"}, Action.WARN),
        ("a starry night in the style of Greg Rutkowski", {"ip.artist_style"}, Action.ALLOW),
        ("a starry night in the style of Van Gogh", {"person.historical"}, Action.ALLOW),
        ("a marble statue of Joe Biden", {"person.public_figure"}, Action.BLOCK),
    ],
)
def test_names_go_through_the_people_and_artist_logic(
    engine: PolicyEngine, text: str, categories: set[str], action: Action
) -> None:
    decision = engine.decide(text, PolicyContext())
    assert {r.finding.category for r in decision.findings} == categories
    assert decision.action is action


async def test_the_async_path_runs_on_a_worker_thread(detector: NerDetector) -> None:
    found = await detector.detect_async("a portrait of John Smith")
    assert [f.category for f in found] == ["pii.person"]
    await detector.aclose()
