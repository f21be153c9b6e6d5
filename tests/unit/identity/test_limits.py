"""Unit: per role and group model allow-lists and size/quality/n limits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from limner.errors import PermissionDeniedError
from limner.identity.config import AccessRule
from limner.identity.limits import check_limits, rules_for
from limner.identity.schemas import Principal
from limner.imaging.catalog import ModelSpec
from limner.imaging.requests import GenerationInput

SPEC = ModelSpec(id="dall-e-3", backend="local", family="dall-e-3")
BASE = Principal("u", "u@example.com", "person", frozenset({"creator"}), frozenset(), "p", "api_key")
ACCESS = {
    "creator": AccessRule(models=["dall-e-2", "limner-local"], max_n=2),
    "group:design": AccessRule(models=["dall-e-3"], sizes=["1024x1024"], qualities=["standard"]),
}


def inp(**kw: object) -> GenerationInput:
    fields: dict[str, object] = {"operation": "generate", "model": "dall-e-3", "prompt": "x", **kw}
    return GenerationInput(**fields)  # type: ignore[arg-type]


def test_rules_come_from_roles_and_groups() -> None:
    assert rules_for({"creator"}, {"design"}, ACCESS) == (ACCESS["creator"], ACCESS["group:design"])
    assert rules_for({"viewer"}, set(), ACCESS) == ()


def test_no_rules_no_limits() -> None:
    check_limits(BASE, SPEC, inp(n=10, size="1792x1024", quality="hd"))


def test_a_model_outside_every_allow_list_is_refused() -> None:
    principal = replace(BASE, limits=rules_for({"creator"}, set(), ACCESS))
    with pytest.raises(PermissionDeniedError) as caught:
        check_limits(principal, SPEC, inp())
    assert caught.value.param == "model"
    assert caught.value.code == "limit_exceeded"


def test_the_group_rule_allows_the_model_within_its_size_and_quality() -> None:
    principal = replace(BASE, limits=rules_for({"creator"}, {"design"}, ACCESS))
    check_limits(principal, SPEC, inp())  # defaults: 1024x1024, standard
    with pytest.raises(PermissionDeniedError) as caught:
        check_limits(principal, SPEC, inp(quality="hd"))
    assert caught.value.param == "quality"
    with pytest.raises(PermissionDeniedError) as caught:
        check_limits(principal, SPEC, inp(size="1792x1024"))
    assert caught.value.param == "size"


def test_n_is_capped() -> None:
    principal = replace(BASE, limits=(ACCESS["creator"],))
    dalle2 = ModelSpec(id="dall-e-2", backend="local", family="dall-e-2")
    check_limits(principal, dalle2, inp(model="dall-e-2", n=2))
    with pytest.raises(PermissionDeniedError) as caught:
        check_limits(principal, dalle2, inp(model="dall-e-2", n=3))
    assert caught.value.param == "n"
    assert "3 images" in caught.value.message
