"""Unit tests: the shared vocabulary — the action scale from allow to block and its most severe; the model
catalog's lookup and defaults; sizes per family, gpt-image-2's arbitrary sizes included."""

from __future__ import annotations

import pytest

from limner.errors import InvalidRequestError
from limner.imaging.actions import Action, most_severe
from limner.imaging.catalog import FAMILIES, ModelSpec, check_size, default_catalog, find_model


def test_actions_are_ordered_from_least_to_most_severe() -> None:
    assert [a.severity for a in (Action.ALLOW, Action.WARN, Action.REDACT, Action.REVIEW, Action.BLOCK)] == [
        0,
        1,
        2,
        3,
        4,
    ]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        ([], Action.ALLOW),
        ([Action.WARN], Action.WARN),
        ([Action.REDACT, Action.WARN, Action.ALLOW], Action.REDACT),
        ([Action.REVIEW, Action.BLOCK, Action.WARN], Action.BLOCK),
        ([Action.REVIEW, Action.REDACT], Action.REVIEW),
    ],
)
def test_the_most_severe_action_wins(actions: list[Action], expected: Action) -> None:
    assert most_severe(actions) is expected


def test_actions_read_as_their_names() -> None:
    assert Action("block") is Action.BLOCK
    assert f"{Action.REVIEW}" == "review"


def test_the_default_catalog_serves_the_offline_model() -> None:
    [spec] = default_catalog()
    assert (spec.id, spec.backend, spec.family, spec.upstream_id) == (
        "limner-local",
        "local",
        "local",
        "limner-local",
    )
    assert spec.rules is FAMILIES["local"]


def test_a_model_may_send_another_id_upstream() -> None:
    spec = ModelSpec(id="house-style", backend="openai", family="gpt-image", upstream_model="gpt-image-1")
    assert spec.upstream_id == "gpt-image-1"
    assert find_model([*default_catalog(), spec], "house-style") is spec


def test_an_unknown_model_is_refused_without_saying_whether_it_exists() -> None:
    with pytest.raises(InvalidRequestError) as raised:
        find_model(default_catalog(), "gpt-9")
    assert (raised.value.param, raised.value.code) == ("model", "model_not_found")
    assert raised.value.message == "The model 'gpt-9' does not exist or you do not have access to it."


@pytest.mark.parametrize(
    ("family", "size"),
    [
        ("dall-e-2", "256x256"),
        ("dall-e-3", "1792x1024"),
        ("gpt-image", "auto"),
        ("gpt-image-2", "1536x1024"),
        ("gpt-image-2", "2048x1152"),
        ("gpt-image-2", "3840x2160"),
        ("gpt-image-2", "768x2304"),
        ("local", "512x512"),
    ],
)
def test_sizes_a_family_serves(family: str, size: str) -> None:
    check_size(FAMILIES[family], size)


@pytest.mark.parametrize(
    ("family", "size", "message"),
    [
        ("dall-e-2", "1792x1024", "Supported values are: 1024x1024, 256x256, 512x512."),
        ("dall-e-3", "256x256", "for this model"),
        ("gpt-image", "2048x1152", "for this model"),
        ("gpt-image-2", "1000x1000", "multiples of 16"),
        ("gpt-image-2", "4096x2048", "at most 3840x2160"),
        ("gpt-image-2", "3840x1024", "between 1:3 and 3:1"),
        ("gpt-image-2", "2304x2304", "at most 3840x2160"),
        ("gpt-image-2", "big", "for this model"),
    ],
)
def test_sizes_a_family_refuses_name_the_size(family: str, size: str, message: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        check_size(FAMILIES[family], size)
    assert raised.value.param == "size"
    assert f"Invalid size '{size}'" in raised.value.message
    assert message in raised.value.message


def test_a_model_id_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="id"):
        ModelSpec(id="", backend="local", family="local")
