"""Unit: where the MFA page may send a person afterwards (never to another site).
Through the page: tests/integration/web/test_signin.py."""

from __future__ import annotations

import pytest

from limner.web.mfa_pages import safe_next


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/review/rev_1", "/review/rev_1"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_paths_on_this_site(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected
