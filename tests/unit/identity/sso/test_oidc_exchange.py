"""Unit: the OIDC relying party's HTTP legs (discovery, code exchange, userinfo) against a stubbed IdP.

Twin: tests/integration/identity/sso/test_sso_callback.py (the same refusals through the HTTP routes)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from limner.errors import AuthenticationError
from limner.identity.config import OidcProviderConfig
from limner.identity.sso import oidc

ISSUER = "https://idp.example"
PROVIDER = OidcProviderConfig(name="corp", issuer=ISSUER, client_id="limner", client_secret="s")
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
META = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "userinfo_endpoint": f"{ISSUER}/me",
}
Handler = Callable[[httpx.Request], httpx.Response]


def id_token(**overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "limner", "sub": "s1", "nonce": "n1", "iat": now, "exp": now + 300}
    claims.update(overrides)
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, KEY)


def idp(
    *,
    meta: object = META,
    token_status: int = 200,
    tokens: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    userinfo: object = None,
    userinfo_status: int = 200,
) -> httpx.AsyncClient:
    jwks = KeySet([KEY]).as_dict(private=False)
    # The ID token is signed now, not at collection time, so its iat/exp are fresh in a slow run.
    default = {"id_token": id_token(**(claims or {})), "access_token": "at"}
    token_body = tokens if tokens is not None else default
    routes: dict[str, tuple[int, object]] = {
        "/.well-known/openid-configuration": (200, meta),
        "/token": (token_status, token_body),
        "/jwks": (200, jwks),
        "/me": (userinfo_status, userinfo if userinfo is not None else {"sub": "s1", "email": "a@x.test"}),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = routes[request.url.path]
        return httpx.Response(status, content=json.dumps(body).encode())

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def exchange(http: httpx.AsyncClient, meta: dict[str, Any] = META) -> dict[str, Any]:
    async with http:
        return await oidc.exchange_code(
            PROVIDER, meta, http, code="c", redirect_uri="https://l/cb", code_verifier="v", nonce="n1"
        )


async def test_discovery_returns_the_metadata_when_the_issuer_matches_exactly() -> None:
    async with idp() as http:
        assert await oidc.discover(PROVIDER, http) == META


@pytest.mark.parametrize(
    ("provider", "meta"),
    [
        (PROVIDER.model_copy(update={"issuer": "http://idp.example"}), META),  # plain http, not allowed
        (PROVIDER, {**META, "issuer": "https://idp.example/"}),  # a trailing slash is a mismatch
        (PROVIDER, {**META, "issuer": "https://evil.example"}),
        (PROVIDER, ["not", "an", "object"]),
    ],
)
async def test_discovery_refuses_insecure_or_mismatched_issuers(
    provider: OidcProviderConfig, meta: object
) -> None:
    async with idp(meta=meta) as http:
        with pytest.raises(AuthenticationError) as raised:
            await oidc.discover(provider, http)
    assert raised.value.code == "sso_failed"


async def test_an_unreachable_provider_is_an_sso_failure() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        with pytest.raises(AuthenticationError) as raised:
            await oidc.discover(PROVIDER, http)
    assert raised.value.message == oidc.SSO_FAILED


async def test_a_discovery_error_status_is_an_sso_failure() -> None:
    def unavailable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(unavailable)) as http:
        with pytest.raises(AuthenticationError):
            await oidc.discover(PROVIDER, http)


async def test_the_code_exchange_merges_userinfo_under_the_id_token_claims() -> None:
    claims = await exchange(idp(userinfo={"sub": "s1", "email": "a@x.test", "iss": "forged"}))
    assert claims["email"] == "a@x.test"
    assert claims["iss"] == ISSUER  # the signed ID token wins over userinfo


async def test_without_a_userinfo_endpoint_the_id_token_claims_stand_alone() -> None:
    meta = {k: v for k, v in META.items() if k != "userinfo_endpoint"}
    claims = await exchange(idp(), meta)
    assert claims["sub"] == "s1"
    assert "email" not in claims


@pytest.mark.parametrize(
    "stub",
    [
        {"token_status": 400},
        {"tokens": {"access_token": "at"}},  # no id_token at all
        {"claims": {"nonce": "another"}},
        {"claims": {"aud": ["limner", "other"]}},  # several audiences and no azp
        {"userinfo": {"sub": "someone-else"}},  # a substituted userinfo response
        {"userinfo_status": 401},
    ],
    ids=["token-error", "no-id-token", "nonce", "azp", "userinfo-subject", "userinfo-status"],
)
async def test_the_code_exchange_refuses_every_inconsistency(stub: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as raised:
        await exchange(idp(**stub))
    assert raised.value.code == "sso_failed"


async def test_a_multi_audience_token_is_accepted_when_limner_is_the_authorized_party() -> None:
    claims = await exchange(idp(claims={"aud": ["limner", "other"], "azp": "limner"}))
    assert claims["azp"] == "limner"


async def test_a_userinfo_body_that_is_not_an_object_adds_nothing_and_fails_the_subject_check() -> None:
    with pytest.raises(AuthenticationError):
        await exchange(idp(userinfo=["s1"]))
