"""Integration: password sign-in, sessions (cookies, rotation, timeouts, CSRF), throttling, reset links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.identity.accounts.service import find_user
from limner.identity.sessions.models import AuthSession, LoginThrottle
from limner.settings import Settings
from tests.conftest import make_settings
from tests.integration.identity.conftest import ORIGIN, PASSWORD, identity_overrides, person, sign_in


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in test_authz_matrix.py)."""
    mfa = {"rp_id": "testserver", "origin": ORIGIN, "step_up_allows_api_keys": True}
    return make_settings(data_dir, **identity_overrides(mfa=mfa))


LOGIN = "/v1/limner/auth/login"


async def test_sign_in_sets_a_hardened_session_cookie_and_the_session_authenticates(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    response = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("limner_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    me = await client.get("/v1/limner/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert me.json()["via"] == "session"
    async with components.sessions() as session:
        rows = (await session.execute(select(AuthSession))).scalars().all()
    token = client.cookies["limner_session"]
    assert [r.id for r in rows] != [token]
    assert len(rows[0].id) == 64


async def test_prod_cookies_are_secure_even_if_config_says_otherwise(components: Components) -> None:
    from fastapi import Response

    from limner.identity.sessions.cookies import SessionCookies, set_session_cookies
    from limner.identity.sessions.service import start_session

    prod = components.settings.model_copy(update={"env": "prod"})
    async with components.sessions.begin() as session:
        user = await find_user(session, email=await person(components, ["viewer"]))
        assert user is not None
        issued = await start_session(
            session,
            user_id=user.id,
            secret_key=b"k",
            cfg=prod.identity.sessions,
            mfa_pending=False,
            method="password",
            client_ip=None,
        )
    response = Response()
    set_session_cookies(response, issued, SessionCookies.for_env(prod.identity.sessions, prod.env))
    assert all("Secure" in h for h in response.headers.getlist("set-cookie"))


async def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    wrong = await client.post(LOGIN, json={"email": email, "password": "not the password at all"})
    unknown = await client.post(LOGIN, json={"email": "nobody@example.com", "password": "whatever it is"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    async with components.sessions() as session:
        events = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "auth.login"))
        ).scalars()
        assert [e.outcome for e in events] == ["failure", "failure"]


async def test_failures_bring_delays_then_a_lockout_stored_in_the_database(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    statuses = []
    for _ in range(4):
        statuses.append(
            (await client.post(LOGIN, json={"email": email, "password": "wrong password!"})).status_code
        )
    assert statuses == [401, 401, 401, 401]  # the 4th failure starts a delay
    locked = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_throttled"
    assert int(locked.headers["retry-after"]) >= 1
    async with components.sessions() as session:
        rows = (await session.execute(select(LoginThrottle))).scalars().all()
    assert {r.key.split(":")[0] for r in rows} == {"acct", "ip"}
    assert all(r.failures == 4 and email not in r.key for r in rows)


async def test_an_expired_delay_lets_the_right_password_in_and_clears_the_account_count(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    for _ in range(4):
        await client.post(LOGIN, json={"email": email, "password": "wrong password!"})
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(LoginThrottle))).scalars():
            row.locked_until = utcnow() - timedelta(seconds=1)
    assert (await client.post(LOGIN, json={"email": email, "password": PASSWORD})).status_code == 200
    async with components.sessions() as session:
        keys = [r.key.split(":")[0] for r in (await session.execute(select(LoginThrottle))).scalars()]
    assert keys == ["ip"]  # one good account must not reset the address's count


async def test_suspended_users_cannot_sign_in_and_lose_their_sessions(
    client: httpx.AsyncClient, components: Components, admin: object
) -> None:
    from limner.identity.accounts import service

    email = await person(components, ["creator"])
    await sign_in(client, email)
    assert (await client.get("/v1/limner/auth/me")).status_code == 200
    async with components.sessions.begin() as session:
        user = await find_user(session, email=email)
        assert user is not None
        await service.set_status(session, user, "suspended")
    assert (await client.get("/v1/limner/auth/me")).status_code == 401
    refused = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_credentials"


async def test_sign_in_rotates_the_session_id(client: httpx.AsyncClient, components: Components) -> None:
    email = await person(components, ["creator"])
    await sign_in(client, email)
    first = client.cookies["limner_session"]
    await sign_in(client, email)
    assert client.cookies["limner_session"] != first
    client.cookies.set("limner_session", first)
    stale = await client.get("/v1/limner/auth/me")
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "session_expired"


async def test_idle_and_absolute_timeouts_end_a_session(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    await sign_in(client, email)
    async with components.sessions.begin() as session:
        row = (await session.execute(select(AuthSession))).scalar_one()
        row.last_seen_at = utcnow() - timedelta(hours=1)  # idle limit: 30 minutes
    assert (await client.get("/v1/limner/auth/me")).status_code == 401
    await sign_in(client, email)
    async with components.sessions.begin() as session:
        newest = select(AuthSession).order_by(AuthSession.created_at.desc()).limit(1)
        row = (await session.execute(newest)).scalar_one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert (await client.get("/v1/limner/auth/me")).status_code == 401


async def test_state_changing_requests_need_the_csrf_token(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    body = await sign_in(client, email)
    missing = await client.post("/v1/limner/auth/logout-everywhere")
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "csrf_failed"
    wrong = await client.post("/v1/limner/auth/logout-everywhere", headers={"x-csrf-token": "forged"})
    assert wrong.status_code == 403
    ok = await client.post("/v1/limner/auth/logout", headers={"x-csrf-token": body["csrf_token"]})
    assert ok.status_code == 200
    assert (await client.get("/v1/limner/auth/me")).status_code == 401


async def test_sign_out_everywhere_ends_every_session(
    app: object, client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]
    async with other:
        await sign_in(other, email)
        body = await sign_in(client, email)
        response = await client.post(
            "/v1/limner/auth/logout-everywhere", headers={"x-csrf-token": body["csrf_token"]}
        )
        assert response.json()["sessions_ended"] == 2
        assert (await other.get("/v1/limner/auth/me")).status_code == 401


async def test_admin_reset_link_is_single_use_and_checks_the_password_policy(
    client: httpx.AsyncClient, components: Components, admin: object
) -> None:
    from tests.factories import Caller

    assert isinstance(admin, Caller)
    email = await person(components, ["creator"])
    async with components.sessions() as session:
        user = await find_user(session, email=email)
        assert user is not None
    link = await client.post(f"/v1/limner/admin/users/{user.id}/password-reset", headers=admin.headers)
    assert link.status_code == 200
    token = link.json()["url"].split("#token=")[1]
    weak = await client.post(
        "/v1/limner/auth/password-reset", json={"token": token, "new_password": "password1234"}
    )
    assert weak.status_code == 400
    assert weak.json()["error"]["code"] == "weak_password"
    short = await client.post(
        "/v1/limner/auth/password-reset", json={"token": token, "new_password": "Sh0rt!"}
    )
    assert short.status_code == 400
    assert "12 characters" in short.json()["error"]["message"]
    new = "a much longer fresh passphrase"
    done = await client.post("/v1/limner/auth/password-reset", json={"token": token, "new_password": new})
    assert done.status_code == 200
    again = await client.post(
        "/v1/limner/auth/password-reset", json={"token": token, "new_password": new + "!"}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"
    assert (await client.post(LOGIN, json={"email": email, "password": new})).status_code == 200
    assert (await client.post(LOGIN, json={"email": email, "password": PASSWORD})).status_code == 401


async def test_an_expired_reset_link_is_refused(client: httpx.AsyncClient, components: Components) -> None:
    from limner.identity.accounts.models import PasswordReset
    from limner.identity.accounts.resets import issue_reset

    email = await person(components, ["creator"])
    async with components.sessions.begin() as session:
        user = await find_user(session, email=email)
        assert user is not None
        token = await issue_reset(
            session, user, secret_key=components.secret_key, cfg=components.settings.identity, actor_id=None
        )
    async with components.sessions.begin() as session:
        row = (await session.execute(select(PasswordReset))).scalar_one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    body = {"token": token, "new_password": "another long passphrase"}
    response = await client.post("/v1/limner/auth/password-reset", json=body)
    assert response.status_code == 400


async def test_one_address_guessing_many_accounts_is_throttled(
    client: httpx.AsyncClient, components: Components
) -> None:
    statuses = []
    for i in range(5):
        body = {"email": f"target{i}@example.com", "password": "guess guess guess"}
        statuses.append((await client.post(LOGIN, json=body)).status_code)
    assert statuses == [401, 401, 401, 401, 429]


async def test_unknown_users_still_cost_a_password_hash(
    client: httpx.AsyncClient, components: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    from limner.identity.sessions import login

    calls: list[str | None] = []
    real = login.verify_password  # type: ignore[attr-defined]  # the name login.py looks up, patched below

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(login, "verify_password", counting)
    await client.post(LOGIN, json={"email": "ghost@example.com", "password": "whatever it is"})
    assert calls == [None]  # verify_password then checks dummy_hash(), as for a real account
