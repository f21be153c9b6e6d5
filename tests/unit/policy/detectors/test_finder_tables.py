"""Unit tests: the number and token finders one by one, as tables — payment cards with and without
Luhn and context, IBANs, IP addresses (versions are not addresses), GCP and JWK private keys, JWTs.

Integration twin: tests/integration/policy/test_policy_flow.py (the detectors inside a policy)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from limner.policy.detectors._patterns import Hit
from limner.policy.detectors.pii_numbers import find_cards, find_ibans, find_ip_addresses
from limner.policy.detectors.secret_tokens import find_jwts, find_private_keys

Finder = Callable[[str], Iterable[Hit]]


def found(finder: Finder, text: str) -> list[tuple[str, str, float]]:
    return [(h.category, text[h.start : h.end], h.score) for h in finder(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111", [("pii.payment_card", "4111111111111111", 0.95)]),
        ("4111 1111 1111 1111", [("pii.payment_card", "4111 1111 1111 1111", 0.85)]),
        # fails Luhn: a card only when the word says so (a mistyped or generated number)
        ("card number 4111 1111 1111 1112 please", [("pii.payment_card", "4111 1111 1111 1112", 0.6)]),
        ("ref 4111 1111 1111 1112", []),
        ("0000 0000 0000 0000", []),
    ],
)
def test_payment_cards(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert found(find_cards, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32", [("pii.iban", "GB82 WEST 1234 5698 7654 32", 0.95)]),
        ("ref GB82WEST12345698765432", [("pii.iban", "GB82WEST12345698765432", 0.95)]),
        ("iban GB00 WEST 1234 5698 7654 99", [("pii.iban", "GB00 WEST 1234 5698 7654 99", 0.6)]),
        ("GB00 WEST 1234 5698 7654 99", []),  # bad checksum and no bank word
        ("no digits here at all", []),
    ],
)
def test_ibans(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert found(find_ibans, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server 203.0.113.7 is up", [("pii.ip_address", "203.0.113.7", 0.85)]),
        ("ping 127.0.0.1", [("pii.ip_address", "127.0.0.1", 0.4)]),
        ("fe80::1 link", [("pii.ip_address", "fe80::1", 0.85)]),
        ("version 1.2.3.4", []),
        ("bad 999.1.1.1", []),
        ("a:b", []),
    ],
)
def test_ip_addresses(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert found(find_ip_addresses, text) == expected


@pytest.mark.parametrize(
    ("text", "category", "score"),
    [
        ('{"private_key_id": "' + "ab" * 20 + '"}', "secret.gcp", 0.9),
        ('{"kty":"RSA","d":"' + "A" * 30 + '"}', "secret.private_key", 0.85),
    ],
)
def test_service_account_and_jwk_private_keys(text: str, category: str, score: float) -> None:
    [(cat, _, got)] = found(find_private_keys, text)
    assert (cat, got) == (category, score)


def test_a_jwk_member_without_a_key_type_is_not_a_key() -> None:
    assert found(find_private_keys, '{"d":"' + "A" * 30 + '"}') == []


@pytest.mark.parametrize(
    ("text", "is_jwt"),
    [
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", True),
        ("eyJub3RqdXN0Ijox.eyJzdWIiOiIxIn0.sig", False),  # a JSON header without "alg"
        ("eyJabcdefgh.abcdefghij.x", False),  # a header that is not JSON
    ],
)
def test_jwts_need_a_header_that_names_an_algorithm(text: str, is_jwt: bool) -> None:
    assert bool(found(find_jwts, text)) is is_jwt
