"""Unit: the review queue's SLA wording, the module editor's YAML errors (line, field) and the Markdown
renderer's safety. No app.

The pages that use them: tests/integration/web/test_review_pages.py, test_training_admin_pages.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from limner.web.markdown import to_html
from limner.web.review_pages import due_text
from limner.web.training_admin_pages import field_errors, parse_module

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
QUESTION = "questions:\n  - {id: q1, text: '?', choices: [{id: a, text: A}, {id: b, text: B}], answer: a}\n"
BASE = "title: t\nbody: b\npass_mark: 1\n"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=23, minutes=59), ("due in 23 h", False)),
        (timedelta(minutes=42), ("due in 42 min", False)),
        (timedelta(0), ("due in 0 min", False)),
        (timedelta(minutes=-5), ("overdue by 5 min", True)),
        (timedelta(hours=-3, minutes=-10), ("overdue by 3 h", True)),
    ],
)
def test_due_text(delta: timedelta, expected: tuple[str, bool]) -> None:
    assert due_text(NOW + delta, NOW) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("title: x\n  body: [unclosed\n", "line 2"),
        ("- just\n- a list\n", "line 1: the module must be a mapping"),
    ],
)
def test_module_yaml_errors_name_the_line(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_module(source, retake=False)


def test_field_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_module(BASE + QUESTION.replace("answer: a", "answer: z"), retake=True)
    errors = field_errors(caught.value, default="content")
    assert [(e.field, e.message) for e in errors] == [
        ("content", "questions.0: question q1: the answer 'z' is not one of its choices")
    ]
    assert parse_module(BASE + QUESTION, retake=True).retake is True


def test_field_errors_link_to_a_known_input() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_module("title: t\npass_mark: 1\n" + QUESTION, retake=False)
    errors = field_errors(caught.value, default="content", inputs=frozenset({"body"}))
    assert [(e.field, e.message) for e in errors] == [("body", "body: Field required")]


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        ("**bold**", "<strong>bold</strong>", None),
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script>"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))", 'href="javascript'),
        ("<img src=x onerror=alert(1)>", "&lt;img", "<img"),
    ],
)
def test_markdown_never_passes_markup_or_script_links(
    markdown: str, present: str, absent: str | None
) -> None:
    html = str(to_html(markdown))
    assert present in html
    if absent:
        assert absent not in html
