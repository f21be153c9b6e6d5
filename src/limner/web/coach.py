"""The prompt coach: the policy engine's decision, told as findings a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, replace

from limner.imaging.actions import Action
from limner.policy.coaching import EXPLANATIONS, SUGGESTIONS
from limner.policy.rules import redact
from limner.policy.schemas import Decision

LABELS: dict[str, str] = {
    "pii.email": "an e-mail address",
    "pii.phone": "a phone number",
    "pii.payment_card": "a payment card number",
    "pii.iban": "a bank account number (IBAN)",
    "pii.national_id": "a national identity number",
    "pii.date_of_birth": "a date of birth",
    "pii.street_address": "a street address",
    "pii.ip_address": "an IP address",
    "pii.person": "a person's name",
    "person.public_figure": "a real, well-known person",
    "person.named": "a real person's name",
    "ip.character": "a protected character",
    "ip.trademark": "a brand or trademark",
    "ip.artist_style": "a living artist's style",
    "confidential.marker": "a confidentiality marker",
}
FAMILY_LABELS: dict[str, str] = {
    "pii": "personal data",
    "secret": "a password, key or token",
    "confidential": "a term marked confidential",
    "harm": "content this organisation does not allow",
    "person": "a real person",
    "ip": "protected intellectual property",
}
ACTIONS: dict[Action, str] = {
    Action.BLOCK: "blocked: the request will not be sent",
    Action.REVIEW: "held for a reviewer's approval",
    Action.REDACT: "replaced by a placeholder before the prompt leaves Limner",
    Action.WARN: "allowed after you confirm",
    Action.ALLOW: "allowed",
}


@dataclass(frozen=True, slots=True)
class CoachFinding:
    what: str  # "an e-mail address"
    why: str
    policy: str  # what the active policy does with it
    suggestion: str | None
    excerpt: str  # masked
    action: Action


@dataclass(frozen=True, slots=True)
class CoachReport:
    action: Action
    findings: tuple[CoachFinding, ...]
    rewrite: str | None  # the prompt with every finding replaced by a typed placeholder
    policy_version: str


def coach_report(text: str, decision: Decision) -> CoachReport:
    findings = tuple(_finding(r.finding.category, r.action, r.excerpt, decision) for r in decision.findings)
    rewrite = None
    if decision.findings:
        as_redacted = [replace(r, action=Action.REDACT) for r in decision.findings]
        rewrite = redact(text, as_redacted)
    return CoachReport(decision.action, findings, rewrite, decision.policy_version)


def label(category: str) -> str:
    family = category.split(".", 1)[0]
    return LABELS.get(category) or FAMILY_LABELS.get(family, category)


def _finding(category: str, action: Action, excerpt: str, decision: Decision) -> CoachFinding:
    family = category.split(".", 1)[0]
    why = EXPLANATIONS.get(family, "It matched this organisation's policy ({categories}).")
    policy = f"Policy {decision.policy_version}: {label(category)} ({category}) is {ACTIONS[action]}."
    return CoachFinding(
        what=label(category),
        why=why.format(categories=category),
        policy=policy,
        suggestion=SUGGESTIONS.get(family),
        excerpt=excerpt,
        action=action,
    )
