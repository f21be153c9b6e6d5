"""Unit tests: the text finders one by one, as tables — dates of birth only beside a birth word,
street addresses (ships, units, "lives at" and "send it to" lines), and e-mail addresses.

Integration twin: tests/integration/policy/test_policy_flow.py (the detectors inside a policy)."""

from __future__ import annotations

import pytest

from limner.policy.detectors.pii_text import find_birth_dates, find_emails, find_street_addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born on 12/03/1985 in Leeds", ["12/03/1985"]),
        ("date of birth: 1985-03-12", ["1985-03-12"]),
        ("the invoice of 12/03/1985", []),  # a date, but nobody's birth
        ("no digits but born", []),
    ],
)
def test_dates_of_birth_need_a_birth_word_nearby(text: str, expected: list[str]) -> None:
    hits = list(find_birth_dates(text))
    assert [text[h.start : h.end] for h in hits] == expected
    assert all((h.category, h.score) == ("pii.date_of_birth", 0.85) for h in hits)


@pytest.mark.parametrize(
    ("text", "span", "score"),
    [
        ("She served on USS Enterprise as a cook", "USS Enterprise", 0.85),  # no digit: ships only
        ("lives at 10 Downing Street", "10 Downing Street", 0.85),
        ("Flat 4, 12 High Street\nLondon", "Flat 4", 0.6),
        ("Flat 4, 12 High Street\nLondon", "12 High Street\nLondon", 0.85),
        ("send it to\n42 Wallaby Way, Sydney.", "42 Wallaby Way, Sydney", 0.75),
        ("address: 221B Baker Street, London NW1 6XE", "221B Baker Street, London NW1 6XE", 0.75),
    ],
)
def test_street_addresses(text: str, span: str, score: float) -> None:
    hits = {(text[h.start : h.end], h.score) for h in find_street_addresses(text)}
    assert (span, score) in hits


@pytest.mark.parametrize("text", ["no address here", "write to HMS Victory please", "room for 2 people"])
def test_text_without_an_address_has_none(text: str) -> None:
    assert list(find_street_addresses(text)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mail ana@example.com today", ["ana@example.com"]), ("ana at example dot com", []), ("a@b", [])],
)
def test_email_addresses(text: str, expected: list[str]) -> None:
    assert [text[h.start : h.end] for h in find_emails(text)] == expected
