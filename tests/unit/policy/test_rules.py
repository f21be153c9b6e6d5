"""Unit tests: policy documents, rule matching, redaction and decisions.

Integration twin: tests/integration/policy/."""

from __future__ import annotations

import pytest

from limner.errors import ConfigError
from limner.imaging.actions import Action
from limner.policy.document import match_rule, parse_policy
from limner.policy.engine import PolicyEngine
from limner.policy.rules import mask, redact, rule_findings, rules_for
from limner.policy.schemas import Finding, PolicyContext

POLICY = """
name: test
detectors: []
rules:
  "*": {action: allow}
  pii.*: {action: redact}
  pii.national_id: {action: block}
  secret.*: {action: block}
  harm.*: {action: block, threshold: 0.7}
  person.named: {action: warn}
overrides:
  - roles: [marketing]
    rules:
      person.named: {action: allow}
allow_list: ["Acme Corp"]
"""


class ScriptedDetector:
    """Returns fixed findings: the engine's logic is tested apart from any real detector."""

    name = "scripted"

    def __init__(self, findings: list[Finding]) -> None:
        self.found = findings

    def detect(self, text: str) -> list[Finding]:
        return self.found


def finding(category: str, start: int, end: int, score: float = 0.9) -> Finding:
    return Finding(detector="scripted", category=category, start=start, end=end, score=score)


def engine(*findings: Finding) -> PolicyEngine:
    return PolicyEngine(parse_policy(POLICY), [ScriptedDetector(list(findings))], version="v-test")


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("pii.email", Action.REDACT),
        ("pii.national_id", Action.BLOCK),
        ("secret.aws_key", Action.BLOCK),
        ("harm.violence", Action.BLOCK),
        ("person.named", Action.WARN),
        ("ip.trademark", Action.ALLOW),
    ],
)
def test_most_specific_rule_wins(category: str, expected: Action) -> None:
    rule = match_rule(parse_policy(POLICY).rules, category)
    assert rule is not None
    assert rule.action is expected


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("detectors: []\nrules:\n  pii.*: {action: obliterate}\n", 3, "rules.pii.*.action"),
        ("detectors: []\nrules:\n  pii.*: {action: block, threshold: 2}\n", 3, "threshold"),
        ("detectors: []\nrules:\n  harm.sexual_minors: {action: warn}\n", 3, "always blocked"),
        ("detectors: []\nrules:\n  'Bad Pattern!': {action: block}\n", 3, "not a category pattern"),
        ("detectors: []\nrules: {}\ncolour: red\n", 3, "colour"),
        ("rules: {}\n", 1, "detectors"),
        ("detectors: [\n", 2, ""),
    ],
)
def test_invalid_policies_are_refused_with_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text)
    assert f"line {line}" in caught.value.message
    assert field in caught.value.message


def test_a_policy_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        parse_policy("- just\n- a list\n")


def test_most_severe_action_decides_and_the_explanation_names_its_categories() -> None:
    text = "email ana@example.com, key AKIA..."
    decision = engine(finding("pii.email", 6, 21), finding("secret.aws_key", 27, 34)).decide(
        text, PolicyContext()
    )
    assert decision.action is Action.BLOCK
    assert decision.categories == ("pii.email", "secret.aws_key")
    assert "secret.aws_key" in decision.explanation
    assert decision.suggestion is not None
    assert decision.redacted_text is None
    assert decision.policy_version == "v-test"


def test_redact_replaces_spans_with_typed_placeholders() -> None:
    text = "mail ana@example.com or call +44 20 7946 0958 today"
    decision = engine(finding("pii.email", 5, 20), finding("pii.phone", 29, 45)).decide(text, PolicyContext())
    assert decision.action is Action.REDACT
    assert decision.redacted_text == "mail [PII_EMAIL] or call [PII_PHONE] today"


def test_overlapping_redactions_do_not_duplicate_text() -> None:
    text = "0123456789"
    ruled = rule_findings(
        [finding("pii.a", 2, 6), finding("pii.b", 4, 8)], parse_policy(POLICY).rules, text, frozenset()
    )
    assert redact(text, ruled) == "01[PII_A]89"


def test_scores_below_threshold_are_ignored() -> None:
    decision = engine(finding("harm.violence", 0, 4, score=0.69)).decide("kill time", PolicyContext())
    assert decision.action is Action.ALLOW
    assert decision.findings == ()


def test_sexual_minors_is_blocked_whatever_the_threshold() -> None:
    decision = engine(finding("harm.sexual_minors", 0, 4, score=0.01)).decide("text", PolicyContext())
    assert decision.action is Action.BLOCK


def test_overrides_apply_to_their_roles_only() -> None:
    policy = parse_policy(POLICY)
    assert (
        rules_for(policy, PolicyContext(roles=frozenset({"marketing"})))["person.named"].action
        is Action.ALLOW
    )
    assert (
        rules_for(policy, PolicyContext(roles=frozenset({"creator"})))["person.named"].action is Action.WARN
    )


def test_allow_list_terms_are_never_flagged() -> None:
    decision = engine(finding("person.named", 10, 19)).decide("a poster: acme corp team", PolicyContext())
    assert decision.action is Action.ALLOW


@pytest.mark.parametrize(
    ("excerpt", "masked"),
    [("ana@example.com", "a•••••••••••••m"), ("John Smith", "J••n S•••h"), ("ab", "ab")],
)
def test_excerpts_are_masked(excerpt: str, masked: str) -> None:
    assert mask(excerpt) == masked
