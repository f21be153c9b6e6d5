"""Unit tests: the model catalog finds models by id and keeps each family's rules.

How the rules refuse requests: tests/unit/generation/test_validation.py."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

from limner.errors import InvalidRequestError
from limner.imaging.catalog import FAMILIES, Family, ModelSpec, check_size, find_model

SPECS = [ModelSpec(id=family, backend="b", family=family) for family in get_args(Family)]


def test_unknown_model_is_a_400_naming_model() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        find_model(SPECS, "dall-e-9")
    assert (caught.value.param, caught.value.code) == ("model", "model_not_found")


def test_gpt_image_2_has_the_gpt_image_rules_and_any_size() -> None:
    assert FAMILIES["gpt-image-2"] == replace(FAMILIES["gpt-image"], arbitrary_sizes=True)


@pytest.mark.parametrize("size", ["auto", "1024x1536", "2048x1152"])
def test_arbitrary_size_models_take_standard_and_custom_sizes(size: str) -> None:
    check_size(find_model(SPECS, "gpt-image-2").rules, size)
    custom = size not in FAMILIES["gpt-image"].sizes
    if custom:
        with pytest.raises(InvalidRequestError) as caught:
            check_size(FAMILIES["gpt-image"], size)
        assert caught.value.param == "size"
    assert custom == (size == "2048x1152")
