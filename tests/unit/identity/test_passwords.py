"""Unit: argon2id hashing, the dummy hash, and the password policy (length, common/breached list)."""

from __future__ import annotations

import pytest

from limner.errors import InvalidRequestError
from limner.identity.accounts.passwords import (
    check_password_policy,
    common_passwords,
    dummy_hash,
    hash_password,
    verify_password,
)


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough passphrase")
    assert not verify_password(hashed, "a long enough passphrasE")


def test_unknown_users_verify_against_the_dummy_hash_and_fail() -> None:
    assert dummy_hash().startswith("$argon2id$")
    assert not verify_password(None, "limner-dummy-password-for-timing")
    assert not verify_password("not-a-hash", "anything")


def test_the_shipped_list_has_thousands_of_entries() -> None:
    entries = common_passwords()
    assert len(entries) > 8000
    assert "qwerty123456" in entries
    assert "password1234" in entries


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 12"),
        ("Password1234", "common or breached"),
        ("QWERTY123456", "common"),
        ("x" * 2000, "at most"),
    ],
)
def test_weak_passwords_are_refused(password: str, fragment: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        check_password_policy(password, min_length=12)
    assert fragment in caught.value.message
    assert caught.value.code == "weak_password"
    assert password not in caught.value.message


def test_a_good_passphrase_passes() -> None:
    check_password_policy("violet heron under the bridge", min_length=12)
