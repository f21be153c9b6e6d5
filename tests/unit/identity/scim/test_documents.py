"""Unit: SCIM documents in: userName, email choice, display names, string booleans, group members,
and the SCIM error shape for Limner errors.

Twin: tests/integration/identity/scim/test_scim_resources.py (the same rules through /scim/v2)."""

from __future__ import annotations

from typing import Any

import pytest

from limner.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    LimnerError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
)
from limner.identity.scim.errors import ERROR_SCHEMA, ScimError, from_limner
from limner.identity.scim.groups import parse_group
from limner.identity.scim.users import SYNTHETIC_DOMAIN, parse_user, to_bool


@pytest.mark.parametrize(
    ("doc", "email"),
    [
        ({"userName": "Ada@Example.com"}, "ada@example.com"),
        (
            {"userName": "ada", "emails": [{"value": "a@x.test"}, {"value": "P@x.test", "primary": "True"}]},
            "p@x.test",
        ),
        (
            {"userName": "ada", "emails": [{"value": "first@x.test"}, {"value": "second@x.test"}]},
            "first@x.test",
        ),
        ({"userName": "ada", "emails": [{"type": "work"}, "junk"]}, f"ada@{SYNTHETIC_DOMAIN}"),
        ({"userName": "  ada  "}, f"ada@{SYNTHETIC_DOMAIN}"),
    ],
    ids=["username-is-email", "primary-wins", "first-email", "malformed-emails-ignored", "synthetic"],
)
def test_the_email_comes_from_the_primary_email_then_the_first_then_the_user_name(
    doc: dict[str, Any], email: str
) -> None:
    assert parse_user(doc).email == email


@pytest.mark.parametrize(
    ("doc", "display"),
    [
        ({"userName": "a", "displayName": "Ada L."}, "Ada L."),
        ({"userName": "a", "name": {"formatted": "Countess Ada"}}, "Countess Ada"),
        ({"userName": "a", "name": {"givenName": "Ada", "familyName": "Lovelace"}}, "Ada Lovelace"),
        ({"userName": "a", "name": {"familyName": "Lovelace"}}, "Lovelace"),
        ({"userName": "a", "name": "not an object"}, ""),
        ({"userName": "a", "displayName": "x" * 300}, "x" * 200),
    ],
)
def test_the_display_name_falls_back_to_the_name_parts(doc: dict[str, Any], display: str) -> None:
    assert parse_user(doc).display_name == display


@pytest.mark.parametrize("doc", [{}, {"userName": ""}, {"userName": "   "}, {"userName": 7}])
def test_a_user_needs_a_user_name(doc: dict[str, Any]) -> None:
    with pytest.raises(ScimError) as raised:
        parse_user(doc)
    assert (raised.value.status, raised.value.scim_type) == (400, "invalidValue")


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), ("True", True), ("False", False), ("false", False)]
)
def test_active_accepts_booleans_and_entra_string_booleans(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


@pytest.mark.parametrize("value", ["yes", 1, None, "0"])
def test_active_refuses_anything_else(value: object) -> None:
    with pytest.raises(ScimError):
        to_bool(value)


def test_profile_keeps_name_and_emails_and_external_id_is_text() -> None:
    user = parse_user({"userName": "a", "externalId": 42, "name": {"givenName": "A"}, "emails": []})
    assert user.external_id == "42"
    assert user.profile == {"name": {"givenName": "A"}}
    assert parse_user({"userName": "a", "externalId": ""}).external_id is None


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"displayName": " "},
        {"displayName": "G", "members": "u1"},
        {"displayName": "G", "members": [{"display": "no value"}]},
        {"displayName": "G", "members": ["u1"]},
    ],
)
def test_a_group_needs_a_name_and_members_with_values(doc: dict[str, Any]) -> None:
    with pytest.raises(ScimError) as raised:
        parse_group(doc)
    assert raised.value.status == 400


def test_a_group_document_parses_members_and_external_id() -> None:
    group = parse_group({"displayName": " Design ", "externalId": 9, "members": [{"value": "u1"}]})
    assert (group.display_name, group.external_id, group.member_ids) == ("Design", "9", ["u1"])


@pytest.mark.parametrize(
    ("error", "status", "scim_type"),
    [
        (AuthenticationError("no key"), 401, None),
        (PermissionDeniedError("no"), 403, None),
        (NotFoundError("gone"), 404, None),
        (ConflictError("dup"), 409, "uniqueness"),
        (InvalidRequestError("bad"), 400, "invalidValue"),
        (QuotaExceededError("slow down", retry_after_s=5), 429, None),
    ],
)
def test_limner_errors_become_scim_errors(error: LimnerError, status: int, scim_type: str | None) -> None:
    converted = from_limner(error)
    assert (converted.status, converted.scim_type) == (status, scim_type)
    response = converted.response()
    assert response.status_code == status
    assert response.media_type == "application/scim+json"
    assert (response.headers.get("www-authenticate") is not None) is (status == 401)


def test_the_error_body_names_the_scim_error_schema_and_a_string_status() -> None:
    body = ScimError(409, "dup", "uniqueness").response().body
    assert ERROR_SCHEMA.encode() in bytes(body)
    assert b'"status":"409"' in bytes(body)
