"""Unit: ID token validation: signature (JWKS, key rotation), issuer, audience, azp, nonce, expiry."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from limner.errors import AuthenticationError
from limner.identity.config import OidcProviderConfig
from limner.identity.sso.oidc import authorization_request, validate_id_token

PROVIDER = OidcProviderConfig(
    name="corp", issuer="https://idp.example", client_id="limner", client_secret="s"
)
OLD, NEW = (
    RSAKey.generate_key(2048, parameters={"kid": "old"}),
    RSAKey.generate_key(2048, parameters={"kid": "new"}),
)


def token(key: RSAKey = OLD, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://idp.example",
        "aud": "limner",
        "sub": "s1",
        "nonce": "n1",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return jwt.encode(
        {"alg": "RS256", "kid": key.kid}, {k: v for k, v in claims.items() if v is not None}, key
    )


def jwks(*keys: RSAKey) -> dict[str, Any]:
    return cast(dict[str, Any], KeySet(list(keys)).as_dict(private=False))


def test_a_valid_token_passes() -> None:
    assert validate_id_token(token(), jwks(OLD), provider=PROVIDER, nonce="n1")["sub"] == "s1"


def test_key_rotation_uses_the_published_key_set() -> None:
    rotated = token(NEW)
    with pytest.raises(AuthenticationError):
        validate_id_token(rotated, jwks(OLD), provider=PROVIDER, nonce="n1")
    assert validate_id_token(rotated, jwks(NEW, OLD), provider=PROVIDER, nonce="n1")["sub"] == "s1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "someone-else"},
        {"aud": ["limner", "other"], "azp": "other"},
        {"nonce": "replayed"},
        {"nonce": None},
        {"exp": int(time.time()) - 3600},
        {"sub": None},
    ],
)
def test_bad_claims_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as caught:
        validate_id_token(token(**overrides), jwks(OLD), provider=PROVIDER, nonce="n1")
    assert caught.value.code == "sso_failed"


def test_a_forged_signature_is_refused() -> None:
    forged = RSAKey.generate_key(2048, parameters={"kid": "old"})  # same kid, different key
    with pytest.raises(AuthenticationError):
        validate_id_token(token(forged), jwks(OLD), provider=PROVIDER, nonce="n1")


def test_an_unsigned_token_is_refused() -> None:
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    with pytest.raises(AuthenticationError):
        validate_id_token(f"{header}.eyJzdWIiOiJzMSJ9.", jwks(OLD), provider=PROVIDER, nonce="n1")


def test_authorization_requests_use_pkce_s256_and_fresh_values() -> None:
    meta = {"authorization_endpoint": "https://idp.example/auth"}
    first, second = (authorization_request(PROVIDER, meta, "https://limner/cb") for _ in range(2))
    assert "code_challenge_method=S256" in first.url
    assert first.code_verifier not in first.url
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert len(first.code_verifier) >= 43
