"""Unit tests: the rules a template must follow to be published (placeholders, combinations, presets,
pinned models), the policy check of every combination, and starting a prompt from a published version.
Twin: tests/integration/web/test_templates.py."""

from __future__ import annotations

import pytest

from limner.errors import InvalidRequestError
from limner.imaging.actions import Action
from limner.imaging.catalog import ModelSpec
from limner.templates.models import PromptTemplate, TemplateVersion
from limner.templates.schemas import MAX_VALUE, TemplateDraft, Variable
from limner.templates.service import Published, check_shape, policy_findings, preset_size, start
from tests.factories import FixedPolicy

MODELS = [
    ModelSpec(id="limner-local", backend="local", family="local"),
    ModelSpec(id="dall-e-3", backend="reviser", family="dall-e-3"),
    ModelSpec(id="dall-e-2", backend="local", family="dall-e-2"),
    ModelSpec(id="gpt-image-1.5", backend="local", family="gpt-image"),
]
SPECS = {spec.id: spec for spec in MODELS}
STYLE = Variable(name="style", kind="choice", choices=["watercolour", "flat vector"])
SUBJECT = Variable(name="subject", kind="text")


def draft(**fields: object) -> TemplateDraft:
    values: dict[str, object] = {
        "name": "Poster",
        "text": "A {style} poster of {subject}",
        "variables": [STYLE, SUBJECT],
        **fields,
    }
    return TemplateDraft.model_validate(values)


def published(**fields: object) -> Published:
    values: dict[str, object] = {
        "template_id": "t1",
        "version": 1,
        "text": "A {style} poster of {subject}",
        "style": "",
        "variables": [STYLE.model_dump(), SUBJECT.model_dump()],
        "size_preset": None,
        "model": None,
        **fields,
    }
    return Published(PromptTemplate(id="t1", name="Poster", current_version=1), TemplateVersion(**values))


@pytest.mark.parametrize(
    ("fields", "param", "message"),
    [
        ({"text": "A {style} poster"}, "variables", "unused ['subject']"),
        ({"text": "A {style} {colour} poster of {subject}"}, "variables", "undeclared ['colour']"),
        ({"variables": []}, "variables", "undeclared ['style', 'subject']"),
        (
            {
                "text": "{a} {b} {c}",
                "variables": [
                    Variable(name=n, kind="choice", choices=[str(i) for i in range(6)]) for n in "abc"
                ],
            },
            "variables",
            "200 combinations",
        ),
        ({"size_preset": "Billboard"}, "size_preset", "size presets"),
        ({"model": "midjourney"}, "model", "midjourney is not available"),
        ({"model": "dall-e-2", "size_preset": "Slide 16:9"}, "size_preset", "offers no size"),
    ],
)
def test_a_malformed_draft_is_refused_on_its_field(
    fields: dict[str, object], param: str, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message.replace("[", r"\[").replace("]", r"\]")) as refused:
        check_shape(draft(**fields), MODELS)
    assert refused.value.param == param


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"size_preset": "Thumbnail"},
        {"model": "dall-e-3", "size_preset": "Story 9:16"},
        {
            "text": "{a} {b}",
            "variables": [Variable(name=n, kind="choice", choices=[str(i) for i in range(10)]) for n in "ab"],
        },  # 100 combinations: within the limit
        {"text": "No variables at all", "variables": []},
    ],
)
def test_a_well_formed_draft_passes(fields: dict[str, object]) -> None:
    check_shape(draft(**fields), MODELS)
    assert draft(**fields).name == "Poster"


@pytest.mark.parametrize(
    ("model", "preset", "size"),
    [
        ("dall-e-3", "Slide 16:9", "1792x1024"),
        ("gpt-image-1.5", "Slide 16:9", "1536x1024"),  # the first size the model offers is used
        ("dall-e-2", "Social square", "1024x1024"),
        ("dall-e-2", "Thumbnail", "256x256"),
        ("dall-e-3", "Thumbnail", None),
        ("limner-local", "Story 9:16", "1024x1536"),
        ("dall-e-2", "Story 9:16", None),
    ],
)
def test_a_preset_picks_the_first_size_the_model_offers(model: str, preset: str, size: str | None) -> None:
    if size is None:
        with pytest.raises(InvalidRequestError, match="offers no size"):
            preset_size(SPECS[model], preset)
    else:
        assert preset_size(SPECS[model], preset) == size


async def test_a_template_that_passes_the_policy_has_no_findings() -> None:
    assert await policy_findings(FixedPolicy(Action.ALLOW), draft()) == []


async def test_findings_name_each_choice_by_position_never_by_value() -> None:
    lines = await policy_findings(FixedPolicy(Action.BLOCK), draft())
    assert lines == [
        "With style choice 1: harm.violence (block) at “t••t”",
        "With style choice 2: harm.violence (block) at “t••t”",
    ]


async def test_a_template_without_choices_reports_findings_on_its_text() -> None:
    plain = draft(text="A poster", variables=[])
    assert await policy_findings(FixedPolicy(Action.REVIEW, ("person.public_figure",)), plain) == [
        "With the template text: person.public_figure (review) at “t••t”"
    ]


def test_starting_fills_the_prompt_with_the_choices_and_the_trimmed_text() -> None:
    begun = start(published(), {"style": "watercolour", "subject": "  a fox  "}, MODELS, "dall-e-2")
    assert begun.prompt == "A watercolour poster of a fox"
    assert (begun.model, begun.size) == ("dall-e-2", "")


def test_a_pinned_model_and_preset_override_the_persons_model() -> None:
    pinned = published(model="dall-e-3", size_preset="Slide 16:9", style="muted colours")
    begun = start(pinned, {"style": "flat vector", "subject": "a kite"}, MODELS, "dall-e-2")
    assert begun == type(begun)("A flat vector poster of a kite, muted colours", "dall-e-3", "1792x1024")


@pytest.mark.parametrize(
    ("values", "param", "message"),
    [
        ({"subject": "a fox"}, "style", "Choose a style"),
        ({"style": "oil paint", "subject": "a fox"}, "style", "Choose a style"),
        ({"style": "watercolour"}, "subject", "Enter the subject"),
        ({"style": "watercolour", "subject": "   "}, "subject", "Enter the subject"),
        ({"style": "watercolour", "subject": "x" * (MAX_VALUE + 1)}, "subject", f"up to {MAX_VALUE}"),
    ],
)
def test_missing_or_foreign_values_are_refused_on_their_variable(
    values: dict[str, str], param: str, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message) as refused:
        start(published(), values, MODELS, "dall-e-2")
    assert refused.value.param == param


def test_a_value_of_exactly_the_limit_is_accepted() -> None:
    begun = start(published(), {"style": "watercolour", "subject": "x" * MAX_VALUE}, MODELS, "dall-e-2")
    assert begun.prompt.endswith("x" * MAX_VALUE)


@pytest.mark.parametrize(
    ("pinned", "chosen"), [(None, "midjourney"), ("retired-model", "dall-e-2"), (None, "")]
)
def test_a_model_not_offered_to_the_person_is_refused(pinned: str | None, chosen: str) -> None:
    with pytest.raises(InvalidRequestError, match="is not available to you") as refused:
        start(published(model=pinned), {"style": "watercolour", "subject": "a fox"}, MODELS, chosen)
    assert refused.value.param == "model"


def test_published_variables_come_back_typed() -> None:
    assert published().variables == [STYLE, SUBJECT]
