"""Unit: the account rules that need no database: self-lockout, and the roles a group may carry.

Twin: tests/integration/identity/accounts/test_admin_guards.py (the guards through the admin API)."""

from __future__ import annotations

import pytest

from limner.errors import ConflictError, InvalidRequestError
from limner.identity.accounts.groups import check_group_roles
from limner.identity.accounts.lockout import refuse_self


@pytest.mark.parametrize(("actor", "target"), [(None, "u1"), ("u2", "u1"), ("", "u1")])
def test_acting_on_someone_else_or_as_the_system_is_allowed(actor: str | None, target: str) -> None:
    refuse_self(actor, target, "suspend")


def test_acting_on_oneself_is_a_self_lockout_naming_the_action() -> None:
    with pytest.raises(ConflictError) as raised:
        refuse_self("u1", "u1", "erase")
    assert raised.value.code == "self_lockout"
    assert "erase" in raised.value.message


@pytest.mark.parametrize(
    ("roles", "custom"),
    [
        ([], None),
        (["admin", "viewer"], None),
        (["scim"], None),
        (["designer"], {"designer": ["images.read"]}),
    ],
)
def test_groups_may_carry_built_in_and_custom_roles(
    roles: list[str], custom: dict[str, list[str]] | None
) -> None:
    check_group_roles(roles, custom)


@pytest.mark.parametrize(("roles", "custom"), [(["wizard"], None), (["designer"], None), (["Admin"], {})])
def test_unknown_group_roles_are_refused_with_the_valid_list(
    roles: list[str], custom: dict[str, list[str]] | None
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        check_group_roles(roles, custom)
    assert raised.value.param == "roles"
    assert "valid roles: admin" in raised.value.message
