"""Unit: the prompt coach's wording and safe rewrite from a policy Decision (no app, no DB).
Through the page: tests/integration/web/test_generate.py; in Chromium: tests/e2e/browser/test_workspace.py."""

from __future__ import annotations

import pytest

from limner.imaging.actions import Action
from limner.policy.schemas import Decision, Finding, RuledFinding
from limner.web.coach import coach_report, label

TEXT = "mail jane.doe@example.com or call +44 20 7946 0958 about the AcmeCola ad"


def ruled(category: str, start: int, end: int, action: Action) -> RuledFinding:
    return RuledFinding(Finding("t", category, start, end, 0.9), action, "j••e")


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("pii.email", "an e-mail address"),
        ("pii.phone", "a phone number"),
        ("secret.aws_key", "a password, key or token"),
        ("harm.violence", "content this organisation does not allow"),
        ("person.public_figure", "a real, well-known person"),
        ("made.up", "made.up"),
    ],
)
def test_labels_say_what_was_found_in_plain_words(category: str, expected: str) -> None:
    assert label(category) == expected


def test_rewrite_replaces_every_finding_whatever_its_action() -> None:
    decision = Decision(
        action=Action.BLOCK,
        findings=(
            ruled("pii.email", 5, 25, Action.REDACT),
            ruled("pii.phone", 34, 50, Action.BLOCK),
            ruled("ip.trademark", 61, 69, Action.WARN),
        ),
        policy_version="p-7",
    )
    report = coach_report(TEXT, decision)
    assert report.rewrite == "mail [PII_EMAIL] or call [PII_PHONE] about the [IP_TRADEMARK] ad"
    assert [f.what for f in report.findings] == [
        "an e-mail address",
        "a phone number",
        "a brand or trademark",
    ]
    assert (
        report.findings[1].policy
        == "Policy p-7: a phone number (pii.phone) is blocked: the request will not be sent."
    )
    assert report.findings[0].why.startswith("The prompt contains personal data")


def test_a_clean_prompt_has_no_findings_and_no_rewrite() -> None:
    report = coach_report("a lighthouse", Decision.allow("p-7"))
    assert report.findings == ()
    assert report.rewrite is None
    assert report.action is Action.ALLOW
