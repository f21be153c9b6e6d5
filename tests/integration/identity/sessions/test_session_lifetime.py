"""Integration: session lifetimes through the sign-in API: the short half-authenticated session, the
absolute limit kept across MFA rotation, sign-out (CSRF, once), sign-out everywhere by API key,
accounts disabled under a live session, and the failure window of the sign-in throttle.

Twin: tests/unit/identity/sessions/test_session_rules.py (the liveness and CSRF rules)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from limner.components import Components
from limner.db import utcnow
from limner.identity.accounts.models import User
from limner.identity.accounts.passwords import hash_password
from limner.identity.sessions.models import AuthSession, LoginThrottle
from tests.factories import make_caller
from tests.integration.identity.authenticator import SoftAuthenticator
from tests.integration.identity.conftest import ORIGIN, PASSWORD, person, sign_in

AUTH = "/v1/limner/auth"


async def live_session(components: Components) -> AuthSession:
    async with components.sessions() as session:
        query = select(AuthSession).where(AuthSession.ended_at.is_(None))
        return (await session.execute(query)).scalar_one()


async def test_a_half_authenticated_session_lasts_only_the_pending_mfa_timeout(
    client: httpx.AsyncClient, components: Components
) -> None:
    body = await sign_in(client, await person(components, ["admin"]))
    assert body["status"] == "mfa_required"
    row = await live_session(components)
    assert row.mfa_pending
    assert row.expires_at - row.created_at == timedelta(
        seconds=components.settings.identity.sessions.pending_mfa_timeout_s
    )
    async with components.sessions.begin() as session:
        stored = await session.get(AuthSession, row.id)
        assert stored is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
    late = await client.post(f"{AUTH}/mfa/totp", headers={"x-csrf-token": body["csrf_token"]})
    assert late.status_code == 401
    assert late.json()["error"]["code"] == "session_expired"


async def test_a_complete_session_keeps_the_absolute_limit_of_the_first_sign_in(
    client: httpx.AsyncClient, components: Components
) -> None:
    body = await sign_in(client, await person(components, ["admin"]))
    half = await live_session(components)
    csrf = {"x-csrf-token": body["csrf_token"]}
    options = (await client.post(f"{AUTH}/mfa/passkeys/register/options", headers=csrf)).json()
    credential = SoftAuthenticator(ORIGIN).register(options)
    enrolled = await client.post(
        f"{AUTH}/mfa/passkeys/register", json={"credential": credential}, headers=csrf
    )
    assert enrolled.status_code == 200
    full = await live_session(components)
    assert full.id != half.id
    assert not full.mfa_pending
    assert full.created_at == half.created_at
    absolute = timedelta(seconds=components.settings.identity.sessions.absolute_timeout_s)
    assert full.expires_at == half.created_at + absolute
    async with components.sessions() as session:
        ended = await session.get(AuthSession, half.id)
    assert ended is not None
    assert ended.ended_at is not None


async def test_sign_out_needs_the_csrf_token_and_works_once(
    client: httpx.AsyncClient, components: Components
) -> None:
    body = await sign_in(client, await person(components, ["creator"]))
    assert (await client.post(f"{AUTH}/logout")).status_code == 403
    out = await client.post(f"{AUTH}/logout", headers={"x-csrf-token": body["csrf_token"]})
    assert out.json() == {"status": "signed_out"}
    assert "limner_session" not in client.cookies
    assert (await client.get(f"{AUTH}/me")).status_code == 401


async def test_sign_out_everywhere_by_api_key_ends_the_owners_sessions(
    app: object, client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    async with components.sessions.begin() as session:
        user = await session.get(User, caller.user_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
    await sign_in(client, caller.email)
    browser = client.cookies["limner_session"]
    ended = await client.post(f"{AUTH}/logout-everywhere", headers=caller.headers)
    assert ended.json() == {"status": "signed_out", "sessions_ended": 1}
    client.cookies.set("limner_session", browser)
    assert (await client.get(f"{AUTH}/me")).status_code == 401
    assert (await client.get(f"{AUTH}/me", headers=caller.headers)).status_code == 200  # the key lives on


async def test_a_session_stops_working_when_its_user_is_disabled_behind_its_back(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["admin"])
    body = await sign_in(client, email)
    async with components.sessions.begin() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        user.status = "suspended"  # e.g. a restore of an older database, without the session sweep
    refused = await client.post(
        f"{AUTH}/mfa/verify",
        json={"method": "totp", "code": "123456"},
        headers={"x-csrf-token": body["csrf_token"]},
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_expired"


async def test_a_stale_or_forged_cookie_does_not_stop_a_new_sign_in(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    client.cookies.set("limner_session", "forged-value")
    assert (await sign_in(client, email))["status"] == "ok"
    assert (await client.get(f"{AUTH}/me")).json()["email"] == email


async def test_old_failures_fall_out_of_the_window_and_start_a_new_count(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    for _ in range(3):
        await client.post(f"{AUTH}/login", json={"email": email, "password": "wrong password!"})
    window = timedelta(seconds=components.settings.identity.login.failure_window_s)
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(LoginThrottle))).scalars():
            row.first_failure_at = utcnow() - window - timedelta(seconds=1)
    after = await client.post(f"{AUTH}/login", json={"email": email, "password": "wrong password!"})
    assert after.status_code == 401  # the fourth failure, but the first of a new window: no delay yet
    async with components.sessions() as session:
        counts = {r.failures for r in (await session.execute(select(LoginThrottle))).scalars()}
    assert counts == {1}
    assert (
        await client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    ).status_code == 200


@pytest.mark.parametrize("status", ["suspended", "deprovisioned"])
async def test_disabled_accounts_cannot_sign_in_with_the_right_password(
    client: httpx.AsyncClient, components: Components, status: str
) -> None:
    email = await person(components, ["creator"])
    async with components.sessions.begin() as session:
        (await session.execute(select(User).where(User.email == email))).scalar_one().status = status
    refused = await client.post(f"{AUTH}/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_credentials"
