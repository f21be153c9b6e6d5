"""Unit: the API key format `lmn_<12-char id>_<40-char secret>`, its parsing, hashing and pseudonyms.

Twin: tests/integration/identity/keys/test_key_lifecycle.py (keys through the admin API)."""

from __future__ import annotations

import pytest

from limner.identity.keys.tokens import PREFIX, hash_key, keys_match, mint_key, parse_key_id, pseudonym

KEY = b"k" * 32


def test_a_minted_key_parses_back_to_its_id() -> None:
    key_id, full = mint_key()
    assert full.startswith(PREFIX)
    assert parse_key_id(full) == key_id
    assert mint_key()[1] != full


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sk-" + "x" * 53,  # someone else's key format
        PREFIX + "a" * 12 + "_" + "b" * 39,  # one short
        PREFIX + "a" * 12 + "-" + "b" * 40,  # no separator
        PREFIX + "a" * 11 + "_" + "b" * 41,  # the separator in the wrong place
        PREFIX + "a" * 53,
    ],
)
def test_anything_else_has_no_key_id(text: str) -> None:
    assert parse_key_id(text) is None


def test_hashes_match_only_the_same_key_under_the_same_secret() -> None:
    _, full = mint_key()
    stored = hash_key(KEY, full)
    assert keys_match(KEY, full, stored)
    assert not keys_match(KEY, full + "x", stored)
    assert not keys_match(b"j" * 32, full, stored)
    assert full not in stored


def test_pseudonyms_are_stable_per_user_and_secret() -> None:
    assert pseudonym(KEY, "u1") == pseudonym(KEY, "u1")
    assert pseudonym(KEY, "u1") != pseudonym(KEY, "u2")
    assert pseudonym(KEY, "u1") != pseudonym(b"j" * 32, "u1")
    assert pseudonym(KEY, "u1").startswith("u_")
