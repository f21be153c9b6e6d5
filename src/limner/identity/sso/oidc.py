"""OpenID Connect relying party: authorization code + PKCE, with state, nonce, issuer, audience and
signature (JWKS, fetched per sign-in so a rotated key is picked up at once) all checked."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from limner.errors import AuthenticationError
from limner.identity.config import OidcProviderConfig

log = logging.getLogger("limner.identity.sso.oidc")
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
LEEWAY_S = 60
SSO_FAILED = "Single sign-on failed. Try again, or contact your administrator."


@dataclass(frozen=True, slots=True)
class AuthRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def sso_failed(reason: str) -> AuthenticationError:
    log.warning("oidc sign-in refused: %s", reason)  # the reason only: never tokens or codes
    return AuthenticationError(SSO_FAILED, code="sso_failed")


async def discover(provider: OidcProviderConfig, http: httpx.AsyncClient) -> dict[str, Any]:
    if not provider.issuer.startswith("https://") and not provider.allow_insecure_http:
        raise sso_failed("issuer is not https")
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    meta = await _get_json(http, url)
    if meta.get("issuer") != provider.issuer:  # OIDC Discovery §4.3: must match exactly
        raise sso_failed("discovery issuer mismatch")
    return meta


def authorization_request(
    provider: OidcProviderConfig, meta: dict[str, Any], redirect_uri: str
) -> AuthRequest:
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return AuthRequest(f"{meta['authorization_endpoint']}?{urlencode(query)}", state, nonce, verifier)


async def exchange_code(
    provider: OidcProviderConfig,
    meta: dict[str, Any],
    http: httpx.AsyncClient,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    nonce: str,
) -> dict[str, Any]:
    """Trade the code for tokens, validate the ID token, and merge in the userinfo claims."""
    response = await http.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
        auth=(provider.client_id, provider.client_secret.get_secret_value()),
    )
    if response.status_code != 200:
        raise sso_failed(f"token endpoint answered {response.status_code}")
    tokens = response.json()
    jwks = await _get_json(http, meta["jwks_uri"])
    claims = validate_id_token(str(tokens.get("id_token", "")), jwks, provider=provider, nonce=nonce)
    if meta.get("userinfo_endpoint") and tokens.get("access_token"):
        extra = await _userinfo(http, meta["userinfo_endpoint"], str(tokens["access_token"]))
        if extra.get("sub") != claims["sub"]:  # OIDC Core §5.3.2: a mismatch means a substituted response
            raise sso_failed("userinfo subject mismatch")
        claims = {**extra, **claims}
    return claims


def validate_id_token(
    id_token: str, jwks: dict[str, Any], *, provider: OidcProviderConfig, nonce: str, now: int | None = None
) -> dict[str, Any]:
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)  # type: ignore[arg-type]
    except Exception as exc:  # a bad signature, an unknown kid, a malformed token
        raise sso_failed(f"id_token signature: {type(exc).__name__}") from exc
    claims: dict[str, Any] = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=now or int(time.time()),
        leeway=LEEWAY_S,
        iss={"essential": True, "value": provider.issuer},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except Exception as exc:
        raise sso_failed(f"id_token claims: {type(exc).__name__}") from exc
    aud = claims.get("aud")
    audiences: list[Any] = aud if isinstance(aud, list) else [aud]
    if provider.client_id not in audiences:
        raise sso_failed("id_token audience")
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise sso_failed("id_token authorized party")
    return claims


async def _userinfo(http: httpx.AsyncClient, url: str, access_token: str) -> dict[str, Any]:
    response = await http.get(url, headers={"Authorization": f"Bearer {access_token}"})
    if response.status_code != 200:
        raise sso_failed(f"userinfo answered {response.status_code}")
    body = response.json()
    return body if isinstance(body, dict) else {}


async def _get_json(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        response = await http.get(url)
    except httpx.HTTPError as exc:
        raise sso_failed(f"cannot reach the identity provider: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise sso_failed(f"{url} answered {response.status_code}")
    body = response.json()
    if not isinstance(body, dict):
        raise sso_failed(f"{url} is not a JSON object")
    return body
