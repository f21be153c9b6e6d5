"""The prompt policy contract the flow calls, the engine that implements it, and the no-check engine."""

from __future__ import annotations

from typing import Protocol

from limner.policy.coaching import explain
from limner.policy.decision import Action, Decision, Finding, PolicyContext, RuledFinding
from limner.policy.detectors.base import Detector
from limner.policy.document import PolicyDocument
from limner.policy.rules import overall, redact, rule_findings, rules_for


class PromptPolicy(Protocol):
    @property
    def version(self) -> str:
        """The version id of the policy in force (recorded with every decision)."""
        ...

    async def prepare(self) -> None:
        """Load whatever evaluation needs (detector data); the server calls it once at start-up."""
        ...

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        """Decide what happens to `text`. Never log or persist the text; the Decision carries
        offsets, categories and masked excerpts only. Raise nothing for ordinary input."""
        ...


class AllowAllPolicy:
    """Runs no checks: every prompt is allowed. Used when `policy.enabled` is false."""

    version = "none"

    async def prepare(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        return Decision.allow(self.version)


class PolicyEngine:
    """One compiled policy version: its detectors and rules. Pure and safe to share."""

    def __init__(self, document: PolicyDocument, detectors: list[Detector], *, version: str) -> None:
        self.document = document
        self.detectors = detectors
        self.version = version
        self._allow = frozenset(term.casefold().strip() for term in document.allow_list)

    async def prepare(self) -> None:
        return None

    async def evaluate(self, text: str, *, context: PolicyContext) -> Decision:
        return self.decide(text, context)

    def findings(self, text: str) -> list[Finding]:
        found = [finding for detector in self.detectors for finding in detector.detect(text)]
        return _prefer_real_people(found)

    def decide(self, text: str, context: PolicyContext) -> Decision:
        rules = rules_for(self.document, context)
        ruled = rule_findings(self.findings(text), rules, text, self._allow)
        action = overall(ruled)
        categories = _categories(ruled, action)
        explanation, suggestion = explain(action, categories)
        return Decision(
            action=action,
            findings=tuple(ruled),
            policy_version=self.version,
            explanation=explanation,
            suggestion=suggestion,
            redacted_text=redact(text, ruled) if action is Action.REDACT else None,
            categories=tuple(sorted({r.finding.category for r in ruled})),
        )


def _categories(ruled: list[RuledFinding], action: Action) -> list[str]:
    """The categories that decided the outcome, for the user's explanation."""
    return sorted({r.finding.category for r in ruled if r.action is action})


def _prefer_real_people(found: list[Finding]) -> list[Finding]:
    """A name the people detector recognised is a person.* finding, not also pii.person."""
    people = [f for f in found if f.category.startswith("person.")]
    return [f for f in found if not (f.category == "pii.person" and any(_overlap(f, p) for p in people))]


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end
