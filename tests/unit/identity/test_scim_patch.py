"""Unit: SCIM PATCH on documents, filters, paging and attribute projection."""

from __future__ import annotations

from typing import Any

import pytest

from limner.identity.scim.errors import ScimError
from limner.identity.scim.patch import apply_patch
from limner.identity.scim.query import paging, parse_filter, project

DOC: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u1",
    "userName": "ada@example.com",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
    "active": True,
}


def ops(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"Operations": list(operations)}


def test_okta_replace_without_path() -> None:
    assert apply_patch(DOC, ops({"op": "replace", "value": {"active": False}}), {"emails"})["active"] is False


def test_entra_filtered_sub_attribute_and_nested_paths() -> None:
    out = apply_patch(
        DOC,
        ops(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
            {"op": "Replace", "path": "name.familyName", "value": "Byron"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "Ada B"},
        ),
        {"emails"},
    )
    assert out["emails"][0]["value"] == "new@example.com"
    assert out["name"]["familyName"] == "Byron"
    assert out["displayName"] == "Ada B"
    assert DOC["emails"][0]["value"] == "ada@example.com"


def test_members_add_dedupes_and_remove_by_filter_or_value() -> None:
    group = {"members": [{"value": "a"}]}
    added = apply_patch(
        group, ops({"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}), {"members"}
    )
    assert [m["value"] for m in added["members"]] == ["a", "b"]
    by_filter = apply_patch(added, ops({"op": "remove", "path": 'members[value eq "a"]'}), {"members"})
    assert [m["value"] for m in by_filter["members"]] == ["b"]
    by_value = apply_patch(
        added, ops({"op": "Remove", "path": "members", "value": [{"value": "b"}]}), {"members"}
    )
    assert [m["value"] for m in by_value["members"]] == ["a"]


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"Operations": []}, "invalidSyntax"),
        (ops({"op": "move", "path": "active"}), "invalidSyntax"),
        (ops({"op": "remove"}), "noTarget"),
        (ops({"op": "add", "value": "not an object"}), "invalidValue"),
        (ops({"op": "add", "path": "a[[b", "value": 1}), "invalidPath"),
        (ops({"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"}), "noTarget"),
    ],
)
def test_bad_patches_raise_scim_errors(body: dict[str, Any], scim_type: str) -> None:
    with pytest.raises(ScimError) as caught:
        apply_patch(DOC, body, {"emails"})
    assert caught.value.status == 400
    assert caught.value.scim_type == scim_type


def test_filters() -> None:
    flt = parse_filter('userName eq "ada@example.com"')
    assert flt is not None
    assert (flt.attribute, flt.value) == ("username", "ada@example.com")
    urn = parse_filter('urn:ietf:params:scim:schemas:core:2.0:User:userName EQ "x\\"y"')
    assert urn is not None
    assert (urn.attribute, urn.value) == ("username", 'x"y')
    assert parse_filter(None) is None
    assert parse_filter("  ") is None
    with pytest.raises(ScimError) as caught:
        parse_filter('userName co "a"')
    assert caught.value.scim_type == "invalidFilter"


def test_paging_and_projection() -> None:
    assert paging(None, None) == (0, 100)
    assert paging(0, 500) == (0, 100)
    assert paging(3, -1) == (2, 0)
    only = project(DOC, "userName,name.givenName", None)
    assert set(only) == {"schemas", "id", "userName", "name"}
    assert only["name"] == {"givenName": "Ada"}
    without = project(DOC, None, "emails,id")
    assert "emails" not in without
    assert "id" in without
