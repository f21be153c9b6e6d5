"""Integration (end to end): SSO against a real OpenID Provider (node oidc-provider on loopback)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from limner.settings import Settings
from tests.conftest import make_settings
from tests.integration.identity.conftest import (
    ORIGIN,
    free_port,
    identity_overrides,
    start_provider,
    stop_provider,
)

_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.I)
_INPUT = re.compile(r"<input[^>]*>", re.I)
_ATTR = re.compile(r'(name|value)="([^"]*)"', re.I)


def provider_config(name: str, issuer: str) -> dict[str, object]:
    return {
        "name": name,
        "issuer": issuer,
        "client_id": "limner",
        "client_secret": "limner-test-secret",
        "scopes": ["openid", "email", "profile", "groups"],
        "allow_insecure_http": True,
        "mapping": {
            "groups": {"design": "Design"},
            "roles": {"design": ["creator"], "limner-admins": ["admin"]},
            "default_roles": ["viewer"],
        },
    }


@pytest.fixture
def settings(data_dir: Path, oidc_issuer: str) -> Settings:
    return make_settings(data_dir, **identity_overrides(oidc=[provider_config("corp", oidc_issuer)]))


async def idp_login(start_url: str, login: str) -> str:
    """Drive the provider's dev login and consent forms with plain HTTP; return Limner's callback URL."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as idp:
        url = start_url
        for _ in range(12):
            response = await idp.get(url)
            if response.status_code == 200 and (form := _FORM.search(response.text)):
                fields = {}
                for tag in _INPUT.findall(response.text):
                    attrs = dict(_ATTR.findall(tag))
                    fields[attrs.get("name", "")] = attrs.get("value", "")
                if "login" in fields:
                    fields.update(login=login, password="any")
                action = httpx.URL(url).join(form.group(1))
                response = await idp.post(action, data=fields)
            assert response.status_code in (302, 303), response.text[:300]
            url = str(httpx.URL(url).join(response.headers["location"]))
            if url.startswith(ORIGIN):
                return url
    raise AssertionError("the provider never redirected back to Limner")


async def sso(client: httpx.AsyncClient, provider: str, login: str) -> httpx.Response:
    start = await client.get(f"/v1/limner/auth/oidc/{provider}/login")
    assert start.status_code == 302, start.text
    query = dict(httpx.URL(start.headers["location"]).params)
    assert query["code_challenge_method"] == "S256"
    assert query["nonce"]
    assert query["state"]
    callback = await idp_login(start.headers["location"], login)
    parts = urlsplit(callback)
    return await client.get(f"{parts.path}?{parts.query}")


async def test_sign_in_provisions_the_user_and_maps_groups_to_groups_and_roles(
    client: httpx.AsyncClient,
) -> None:
    done = await sso(client, "corp", "alice")
    assert done.status_code == 303
    assert done.headers["location"] == "/"
    me = await client.get("/v1/limner/auth/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["email"] == "alice@example.com"
    assert body["groups"] == ["Design"]
    assert sorted(body["roles"]) == ["creator", "viewer"]


async def test_a_mapped_admin_must_still_complete_limner_mfa(client: httpx.AsyncClient) -> None:
    done = await sso(client, "corp", "bob")
    assert done.headers["location"] == "/?mfa=required"
    assert (await client.get("/v1/limner/auth/me")).json()["error"]["code"] == "mfa_required"


async def test_a_callback_cannot_be_replayed_or_used_by_another_browser(
    app: object, client: httpx.AsyncClient
) -> None:
    start = await client.get("/v1/limner/auth/oidc/corp/login")
    callback = await idp_login(start.headers["location"], "carol")
    parts = urlsplit(callback)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as stranger:
        stolen = await stranger.get(f"{parts.path}?{parts.query}")
    assert stolen.status_code == 401
    assert stolen.json()["error"]["code"] == "sso_failed"
    assert (await client.get(f"{parts.path}?{parts.query}")).status_code == 303
    replay = await client.get(f"{parts.path}?{parts.query}")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "sso_failed"


async def test_an_unknown_provider_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/limner/auth/oidc/nope/login")).status_code == 404


async def test_key_rotation_at_the_provider_and_several_providers_at_once(
    data_dir: Path, oidc_issuer: str
) -> None:
    """A second IdP runs beside the first; after it restarts with a new signing key, sign-in still works."""
    from limner.components import build_components
    from limner.main import create_app
    from tests.conftest import create_schema

    port = free_port()
    callbacks = f"{ORIGIN}/v1/limner/auth/oidc/other/callback"
    other = start_provider(port, callbacks)
    issuer = f"http://127.0.0.1:{port}"
    providers = [provider_config("corp", oidc_issuer), provider_config("other", issuer)]
    c = build_components(make_settings(data_dir / "two", **identity_overrides(oidc=providers)))
    await create_schema(c.engine)
    transport = httpx.ASGITransport(app=create_app(components=c))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            assert (await sso(client, "corp", "alice")).status_code == 303
            assert (await sso(client, "other", "alice")).status_code == 303
            stop_provider(other)
            other = start_provider(port, callbacks)  # a fresh RSA key with a new kid
            assert (await sso(client, "other", "carol")).status_code == 303
            assert (await client.get("/v1/limner/auth/me")).json()["email"] == "carol@example.com"
    finally:
        stop_provider(other)
        await c.aclose()
