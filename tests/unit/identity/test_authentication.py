"""Unit: reading credentials off a request: the Bearer header, the client address, which methods
need a CSRF token.

Twin: tests/integration/identity/test_authentication.py (the identity chain failing closed)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from limner.errors import AuthenticationError
from limner.identity.authentication import bearer_token, client_ip
from limner.identity.sessions.cookies import needs_csrf


def request(
    headers: dict[str, str] | None = None,
    method: str = "GET",
    client: tuple[str, int] | None = ("10.0.0.1", 5),
) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw, "client": client})


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer lmn_abc", "lmn_abc"), ("bearer   lmn_abc  ", "lmn_abc"), ("BEARER x", "x")],
)
def test_the_bearer_scheme_is_case_insensitive_and_the_token_trimmed(header: str, token: str) -> None:
    assert bearer_token(request({"Authorization": header})) == token


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "lmn_abc", "Token lmn_abc"]
)
def test_anything_but_a_bearer_token_is_a_missing_key(header: str) -> None:
    with pytest.raises(AuthenticationError) as raised:
        bearer_token(request({"Authorization": header}))
    assert "Bearer lmn_" in raised.value.message


def test_the_client_address_is_the_peer_or_none() -> None:
    assert client_ip(request()) == "10.0.0.1"
    assert client_ip(request(client=None)) is None


@pytest.mark.parametrize(
    ("method", "needed"),
    [
        ("GET", False),
        ("HEAD", False),
        ("OPTIONS", False),
        ("POST", True),
        ("PATCH", True),
        ("DELETE", True),
        ("put", True),
    ],
)
def test_every_state_changing_method_needs_a_csrf_token(method: str, needed: bool) -> None:
    assert needs_csrf(request(method=method)) is needed
