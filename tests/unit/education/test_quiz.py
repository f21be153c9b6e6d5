"""Unit: quiz grading, module validation and the shipped content. No app, no database.

Through the HTTP API: tests/integration/education/test_training_api.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from limner.education.content import shipped_modules, shipped_policy
from limner.education.models import TrainingModule
from limner.education.modules import grade
from limner.education.schemas import ModuleCreate, RecordBody
from limner.errors import InvalidRequestError

RIGHT = {"q1": "b", "q2": "b", "q3": "c", "q4": "a", "q5": "a"}


def shipped_row() -> TrainingModule:
    content = shipped_modules()[0]
    return TrainingModule(
        id=content.id, title=content.title, body=content.body, pass_mark=content.pass_mark,
        questions=[q.model_dump() for q in content.questions], revision=1, min_revision=1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "score", "passed", "wrong"),
    [
        (RIGHT, 5, True, []),
        ({**RIGHT, "q5": "c"}, 4, True, ["q5"]),
        ({**RIGHT, "q1": "a", "q2": "a"}, 3, False, ["q1", "q2"]),
        (dict.fromkeys(RIGHT, "z"), 0, False, list(RIGHT)),
        ({**RIGHT, "extra": "a"}, 5, True, []),
    ],
)
def test_grading(answers: dict[str, str], score: int, passed: bool, wrong: list[str]) -> None:
    result = grade(shipped_row(), answers)
    assert (result.score, result.passed, result.wrong) == (score, passed, wrong)
    assert set(result.explanations) == set(wrong)


def test_every_question_must_be_answered() -> None:
    with pytest.raises(InvalidRequestError, match="q3"):
        grade(shipped_row(), {k: v for k, v in RIGHT.items() if k != "q3"})


def test_shipped_content_covers_the_topics_employees_need() -> None:
    policy = shipped_policy().body.lower()
    module = shipped_modules()[0]
    for topic in (
        "personal",
        "confidential",
        "real people",
        "intellectual property",
        "ai-generated",
        "review",
    ):
        assert topic in policy
    assert module.id == "responsible-use"
    assert 1 <= module.pass_mark <= len(module.questions)


QUESTION = {
    "id": "q1",
    "text": "?",
    "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
    "answer": "a",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Has Spaces"}, "pattern"),
        ({"pass_mark": 2}, "more than the 1 questions"),
        ({"pass_mark": 0}, "greater than or equal to 1"),
        ({"questions": []}, "at least 1 item"),
        ({"questions": [{**QUESTION, "answer": "c"}]}, "not one of its choices"),
        (
            {"questions": [{**QUESTION, "choices": [{"id": "a", "text": "A"}] * 2}]},
            "choice ids must be unique",
        ),
        ({"questions": [QUESTION, QUESTION]}, "question ids must be unique"),
    ],
)
def test_module_validation(changes: dict[str, object], message: str) -> None:
    valid = {"id": "faces", "title": "Faces", "body": "Text", "pass_mark": 1, "questions": [QUESTION]}
    ModuleCreate.model_validate(valid)
    with pytest.raises(ValidationError, match=message):
        ModuleCreate.model_validate({**valid, **changes})


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"email": "a@b.c", "all": True}, True),
        ({"email": "a@b.c", "module_id": "x"}, True),
        ({"email": "a@b.c"}, False),
        ({"email": "a@b.c", "all": True, "module_id": "x"}, False),
    ],
)
def test_record_names_one_target(body: dict[str, object], ok: bool) -> None:
    if ok:
        RecordBody.model_validate(body)
    else:
        with pytest.raises(ValidationError, match="either module_id or all"):
            RecordBody.model_validate(body)
