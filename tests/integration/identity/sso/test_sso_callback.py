"""Integration: SSO refusals at the callback (provider errors, a state from another browser, unknown,
expired or reused states) and the claims-to-user rules (verified email, just-in-time provisioning,
links by subject, group and role mapping) against the database. The happy path against a real
OpenID Provider is in tests/integration/identity/test_oidc_e2e.py.

Twin: tests/unit/identity/sso/test_oidc_exchange.py (the HTTP legs against a stubbed IdP)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from limner.components import Components
from limner.db import utcnow
from limner.errors import AuthenticationError
from limner.identity.accounts import groups, service
from limner.identity.accounts.models import User
from limner.identity.config import ClaimMapping, OidcProviderConfig
from limner.identity.sso import service as sso
from limner.identity.sso.models import OidcState
from limner.identity.sso.oidc import AuthRequest
from limner.identity.sso.routes import STATE_COOKIE
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_user
from tests.integration.identity.conftest import identity_overrides

OIDC = "/v1/limner/auth/oidc"
CORP = OidcProviderConfig(
    name="corp",
    issuer="https://idp.invalid",  # never contacted: every request here is refused before discovery
    client_id="limner",
    client_secret="s",
    mapping=ClaimMapping(
        groups={"design": "Design", "print": "Print"},
        roles={"design": ["creator"], "auditors": ["auditor"]},
        default_roles=["viewer"],
    ),
)
PLAIN = OidcProviderConfig(name="plain", issuer="http://127.0.0.1:9", client_id="l", client_secret="s")


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(
        data_dir,
        **identity_overrides(
            oidc=[
                CORP.model_dump(mode="json") | {"client_secret": "s"},
                PLAIN.model_dump(mode="json") | {"client_secret": "s"},
            ]
        ),
    )


async def pending(components: Components, state: str, provider: str = "corp") -> None:
    async with components.sessions.begin() as session:
        await sso.save_state(
            session,
            AuthRequest("https://idp.invalid/auth", state, "nonce", "verifier"),
            provider=provider,
            secret_key=components.secret_key,
        )


def assert_sso_failed(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "sso_failed"
    assert "state" not in response.json()["error"]["message"]  # the reason stays in the log


@pytest.mark.parametrize(
    "query",
    ["error=access_denied&state=s1", "state=s1", "code=&state=s1"],
    ids=["provider-error", "no-code", "empty-code"],
)
async def test_a_callback_without_a_code_is_refused(client: httpx.AsyncClient, query: str) -> None:
    client.cookies.set(STATE_COOKIE, "s1")
    assert_sso_failed(await client.get(f"{OIDC}/corp/callback?{query}"))


async def test_a_callback_from_another_browser_is_refused_and_leaves_the_state_usable(
    client: httpx.AsyncClient, components: Components
) -> None:
    await pending(components, "s1")
    assert_sso_failed(await client.get(f"{OIDC}/corp/callback?code=c&state=s1"))  # no state cookie
    client.cookies.set(STATE_COOKIE, "s2")
    assert_sso_failed(await client.get(f"{OIDC}/corp/callback?code=c&state=s1"))
    async with components.sessions() as session:
        assert len((await session.execute(select(OidcState))).all()) == 1


async def test_an_unknown_state_is_refused(client: httpx.AsyncClient) -> None:
    client.cookies.set(STATE_COOKIE, "never-issued")
    assert_sso_failed(await client.get(f"{OIDC}/corp/callback?code=c&state=never-issued"))


async def test_sign_in_refuses_a_plain_http_issuer(client: httpx.AsyncClient) -> None:
    assert_sso_failed(await client.get(f"{OIDC}/plain/login"))
    assert (await client.get(f"{OIDC}/nobody/login")).status_code == 404


async def take(components: Components, state: str, provider: str = "corp") -> OidcState:
    async with components.sessions.begin() as session:
        return await sso.take_state(session, state=state, provider=provider, secret_key=components.secret_key)


async def test_a_state_works_once_for_its_own_provider_only_until_it_expires(components: Components) -> None:
    await pending(components, "once")
    with pytest.raises(AuthenticationError):
        await take(components, "once", provider="plain")
    assert (await take(components, "once")).nonce == "nonce"
    with pytest.raises(AuthenticationError):
        await take(components, "once")
    await pending(components, "late")
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(OidcState))).scalars():
            row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(AuthenticationError):
        await take(components, "late")
    await pending(components, "fresh")  # saving a new state sweeps the expired ones
    async with components.sessions() as session:
        assert len((await session.execute(select(OidcState))).all()) == 1


async def claims_user(
    components: Components, claims: dict[str, Any], provider: OidcProviderConfig = CORP
) -> User:
    async with components.sessions.begin() as session:
        return await sso.user_for_claims(session, provider, claims, custom_roles={})


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "s1", "email": "ada@example.com", "email_verified": False},
        {"sub": "s1"},
        {"sub": "s1", "email": "  "},
    ],
    ids=["unverified", "no-email", "blank-email"],
)
async def test_an_account_is_never_linked_or_created_without_a_verified_email(
    components: Components, claims: dict[str, Any]
) -> None:
    await make_user(components, roles=["admin"], email="ada@example.com")
    with pytest.raises(AuthenticationError):
        await claims_user(components, claims)


async def test_without_just_in_time_provisioning_only_existing_accounts_sign_in(
    components: Components,
) -> None:
    closed = CORP.model_copy(update={"jit_provisioning": False})
    with pytest.raises(AuthenticationError):
        await claims_user(components, {"sub": "s1", "email": "new@example.com"}, closed)
    existing = await make_user(components, roles=["creator"], email="old@example.com")
    linked = await claims_user(
        components, {"sub": "s2", "email": "OLD@example.com", "email_verified": True}, closed
    )
    assert linked.id == existing.id


async def test_a_linked_subject_keeps_its_account_even_when_the_email_changes(components: Components) -> None:
    first = await claims_user(components, {"sub": "s1", "email": "ada@example.com", "name": "Ada"})
    assert (first.email, first.display_name, first.roles) == ("ada@example.com", "Ada", ["viewer"])
    again = await claims_user(components, {"sub": "s1", "email": "someone.else@example.com"})
    assert again.id == first.id


async def test_a_disabled_linked_account_cannot_sign_in(components: Components) -> None:
    user = await claims_user(components, {"sub": "s1", "email": "ada@example.com"})
    async with components.sessions.begin() as session:
        row = await session.get(User, user.id)
        assert row is not None
        await service.set_status(session, row, "suspended")
    with pytest.raises(AuthenticationError):
        await claims_user(components, {"sub": "s1", "email": "ada@example.com"})


async def test_groups_and_roles_follow_the_claims_at_every_sign_in(components: Components) -> None:
    user = await claims_user(
        components, {"sub": "s1", "email": "ada@example.com", "groups": ["design", "auditors"]}
    )
    assert user.roles == ["auditor", "creator", "viewer"]
    assert await member_of(components, user.id) == ["Design"]
    user = await claims_user(
        components, {"sub": "s1", "email": "ada@example.com", "groups": "print"}
    )  # one string
    assert user.roles == ["viewer"]
    assert await member_of(components, user.id) == ["Print"]
    user = await claims_user(components, {"sub": "s1", "email": "ada@example.com"})
    assert await member_of(components, user.id) == []


async def member_of(components: Components, user_id: str) -> list[str]:
    async with components.sessions() as session:
        return [g.name for g in await groups.groups_of(session, user_id)]
