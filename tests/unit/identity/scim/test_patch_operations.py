"""Unit: SCIM PATCH operations on sub-attributes and filtered values, and projections of complex attributes.

Twin: tests/integration/identity/scim/test_scim_resources.py (PATCH through /scim/v2)."""

from __future__ import annotations

from typing import Any

import pytest

from limner.identity.scim.errors import ScimError
from limner.identity.scim.patch import apply_patch
from limner.identity.scim.query import project

DOC: dict[str, Any] = {
    "id": "u1",
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [
        {"value": "ada@work.test", "type": "work", "primary": True},
        {"value": "ada@home.test", "type": "home"},
    ],
}


def patch(*ops: dict[str, Any]) -> dict[str, Any]:
    return apply_patch(DOC, {"Operations": list(ops)}, {"emails"})


@pytest.mark.parametrize(
    ("op", "expected_name"),
    [
        (
            {"op": "add", "path": "name", "value": {"middleName": "B"}},
            {"givenName": "Ada", "familyName": "Lovelace", "middleName": "B"},
        ),
        ({"op": "replace", "path": "name", "value": {"givenName": "A"}}, {"givenName": "A"}),
        ({"op": "remove", "path": "name.familyName"}, {"givenName": "Ada"}),
        (
            {"op": "replace", "path": "name.GIVENNAME", "value": "Augusta"},
            {"givenName": "Augusta", "familyName": "Lovelace"},
        ),
    ],
    ids=["add-merges", "replace-overwrites", "remove-sub", "sub-case-insensitive"],
)
def test_complex_attributes_merge_on_add_and_are_replaced_or_trimmed_otherwise(
    op: dict[str, Any], expected_name: dict[str, str]
) -> None:
    assert patch(op)["name"] == expected_name


def test_a_filtered_remove_of_a_sub_attribute_keeps_the_value() -> None:
    emails = patch({"op": "remove", "path": 'emails[type eq "home"].type'})["emails"]
    assert emails[1] == {"value": "ada@home.test"}
    assert emails[0]["type"] == "work"


def test_a_filtered_replace_sets_a_sub_attribute_only_on_matching_values() -> None:
    emails = patch({"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@work.test"})[
        "emails"
    ]
    assert [e["value"] for e in emails] == ["new@work.test", "ada@home.test"]


def test_a_filtered_replace_of_whole_values_merges_the_object() -> None:
    emails = patch({"op": "replace", "path": 'emails[type eq "home"]', "value": {"display": "Home"}})[
        "emails"
    ]
    assert emails[1] == {"value": "ada@home.test", "type": "home", "display": "Home"}


def test_a_filtered_replace_that_matches_nothing_is_no_target() -> None:
    with pytest.raises(ScimError) as raised:
        patch({"op": "replace", "path": 'emails[type eq "other"].value', "value": "x"})
    assert raised.value.scim_type == "noTarget"


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"Operations": ["replace"]}, "invalidSyntax"),
        ({"Operations": []}, "invalidSyntax"),
        ({}, "invalidSyntax"),
        ({"Operations": [{"op": "move", "path": "name"}]}, "invalidSyntax"),
        ({"Operations": [{"op": "remove"}]}, "noTarget"),
        ({"Operations": [{"op": "add", "value": "not an object"}]}, "invalidValue"),
        ({"Operations": [{"op": "add", "path": "emails[", "value": 1}]}, "invalidPath"),
    ],
)
def test_malformed_operations_are_refused_with_their_scim_type(body: dict[str, Any], scim_type: str) -> None:
    with pytest.raises(ScimError) as raised:
        apply_patch(DOC, body, {"emails"})
    assert (raised.value.status, raised.value.scim_type) == (400, scim_type)


def test_the_input_document_is_never_changed() -> None:
    before = repr(DOC)
    patch({"op": "remove", "path": "emails"}, {"op": "replace", "path": "name.givenName", "value": "X"})
    assert repr(DOC) == before


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("name.givenName", {"id": "u1", "schemas": DOC["schemas"], "name": {"givenName": "Ada"}}),
        (
            "emails.type",
            {"id": "u1", "schemas": DOC["schemas"], "emails": [{"type": "work"}, {"type": "home"}]},
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name",
            {"id": "u1", "schemas": DOC["schemas"], "name": DOC["name"]},
        ),
    ],
)
def test_projections_keep_only_the_named_sub_attributes(attributes: str, expected: dict[str, Any]) -> None:
    assert project(DOC, attributes, None) == expected


def test_excluded_attributes_never_drop_id_or_schemas() -> None:
    assert project(DOC, None, "id,schemas,name,emails") == {"id": "u1", "schemas": DOC["schemas"]}
