"""Unit tests: template variables as the publishing form writes them, filling a prompt, and the
combinations of choices the policy checks."""

from __future__ import annotations

import pytest

from limner.templates.schemas import (
    Variable,
    combination_count,
    combinations,
    fill,
    format_variables,
    parse_variables,
)

STYLE = Variable(name="style", kind="choice", choices=["watercolour", "flat vector"])
MOOD = Variable(name="mood", kind="choice", choices=["calm", "bold", "warm"])
SUBJECT = Variable(name="subject", kind="text")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("subject: text", [SUBJECT]),
        ("style: choice: watercolour | flat vector", [STYLE]),
        ("\nstyle: choice: watercolour|flat vector\n\nsubject : text\n", [STYLE, SUBJECT]),
        ("", []),
    ],
)
def test_variables_parse_one_a_line(lines: str, expected: list[Variable]) -> None:
    assert parse_variables(lines) == expected


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("Subject: text", "Line 1: write"),
        ("subject: number", "Line 1: write"),
        ("subject: text\nstyle: choice: only one", "Line 2: a choice needs 2 to 20 options"),
        ("style: choice", "Line 1: a choice needs"),
    ],
)
def test_malformed_variables_name_the_line(lines: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_variables(lines)


def test_formatting_variables_parses_back_to_the_same() -> None:
    assert parse_variables(format_variables([STYLE, SUBJECT])) == [STYLE, SUBJECT]


@pytest.mark.parametrize(
    ("text", "style", "values", "expected"),
    [
        (
            "A {style} picture of {subject}",
            "",
            {"style": "flat", "subject": "a fox"},
            "A flat picture of a fox",
        ),
        ("A picture of {subject}", "calm colours", {"subject": "a fox"}, "A picture of a fox, calm colours"),
        ("A picture of {subject}", "", {}, "A picture of"),
        ("Braces {0} and {__class__} stay", "", {}, "Braces {0} and {__class__} stay"),
        ("{subject}", "", {"subject": "{style}"}, "{style}"),  # a value is never filled again
    ],
)
def test_fill_replaces_placeholders_only(
    text: str, style: str, values: dict[str, str], expected: str
) -> None:
    assert fill(text, style, values) == expected


def test_combinations_cover_every_choice_and_leave_free_text_out() -> None:
    found = list(combinations([STYLE, SUBJECT, MOOD]))
    assert len(found) == combination_count([STYLE, SUBJECT, MOOD]) == 6
    assert {"style": "flat vector", "mood": "warm"} in found
    assert all("subject" not in c for c in found)
    assert list(combinations([SUBJECT])) == [{}]
