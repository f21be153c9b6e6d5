"""Pure rules: findings + policy + caller → per-finding actions and the overall action."""

from __future__ import annotations

from limner.imaging.actions import Action, most_severe
from limner.policy.document import ALWAYS_BLOCK, PolicyDocument, Rule, match_rule
from limner.policy.schemas import Finding, PolicyContext, RuledFinding


def rules_for(policy: PolicyDocument, context: PolicyContext) -> dict[str, Rule]:
    """Default rules with every matching override laid on top, in order."""
    merged = dict(policy.rules)
    for override in policy.overrides:
        if context.roles & set(override.roles) or context.groups & set(override.groups):
            merged.update(override.rules)
    return merged


def rule_findings(
    findings: list[Finding], rules: dict[str, Rule], text: str, allow_list: frozenset[str]
) -> list[RuledFinding]:
    ruled = []
    for finding in findings:
        action = _action(finding, rules, text, allow_list)
        if action is not None:
            ruled.append(
                RuledFinding(finding=finding, action=action, excerpt=mask(text[finding.start : finding.end]))
            )
    return ruled


def _action(finding: Finding, rules: dict[str, Rule], text: str, allow_list: frozenset[str]) -> Action | None:
    if finding.category in ALWAYS_BLOCK:
        return Action.BLOCK
    if text[finding.start : finding.end].casefold().strip() in allow_list:
        return None
    rule = match_rule(rules, finding.category)
    if rule is None or finding.score < rule.threshold:
        return None
    return rule.action


def overall(ruled: list[RuledFinding]) -> Action:
    return most_severe([r.action for r in ruled])


def mask(excerpt: str) -> str:
    """Enough to recognise, not enough to leak: first and last character of each word kept."""
    words = []
    for word in excerpt.split():
        words.append(word if len(word) <= 2 else word[0] + "•" * (len(word) - 2) + word[-1])
    return " ".join(words)[:60]


def redact(text: str, ruled: list[RuledFinding]) -> str:
    """Replace every REDACT span (and anything inside it) with a typed placeholder."""
    spans = sorted(
        (r.finding.start, r.finding.end, r.finding.category) for r in ruled if r.action is Action.REDACT
    )
    out, cursor = [], 0
    for start, end, category in spans:
        if start < cursor:  # overlaps the previous placeholder: widen it instead of adding one
            cursor = max(cursor, end)
            continue
        out += [text[cursor:start], "[" + category.upper().replace(".", "_") + "]"]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
