"""Integration: MFA: required roles, TOTP with QR and replay protection, recovery codes, passkeys, step-up."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.deps import require_recent_mfa
from limner.identity.mfa.models import TotpFactor
from limner.identity.mfa.totp import unseal
from limner.identity.sessions.models import AuthSession
from tests.integration.identity.authenticator import SoftAuthenticator
from tests.integration.identity.conftest import ORIGIN, person, sign_in

MFA = "/v1/limner/auth/mfa"


async def enrol_totp(client: httpx.AsyncClient, csrf: str) -> tuple[str, dict[str, object]]:
    begun = await client.post(f"{MFA}/totp", headers={"x-csrf-token": csrf})
    assert begun.status_code == 200, begun.text
    secret = begun.json()["secret"]
    code = pyotp.TOTP(secret).now()
    confirmed = await client.post(f"{MFA}/totp/confirm", json={"code": code}, headers={"x-csrf-token": csrf})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()


async def test_admins_get_a_half_session_that_can_only_complete_mfa(
    client: httpx.AsyncClient, components: Components
) -> None:
    body = await sign_in(client, await person(components, ["admin"]))
    assert body["status"] == "mfa_required"
    assert body["factors"] == []
    me = await client.get("/v1/limner/auth/me")
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "mfa_required"
    assert (await client.get("/v1/limner/admin/users")).status_code == 401


async def test_creators_need_no_mfa_unless_policy_requires_it_for_everyone(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["creator"])
    assert (await sign_in(client, email))["status"] == "ok"
    components.settings.identity.mfa.required_for_everyone = True
    assert (await sign_in(client, email))["status"] == "mfa_required"


async def test_totp_enrolment_with_qr_completes_sign_in_and_rotates_the_session(
    client: httpx.AsyncClient, components: Components
) -> None:
    body = await sign_in(client, await person(components, ["auditor"]))
    half = client.cookies["limner_session"]
    begun = await client.post(f"{MFA}/totp", headers={"x-csrf-token": body["csrf_token"]})
    assert begun.json()["qr_svg"].startswith("data:image/svg+xml")
    assert begun.json()["qr_png"].startswith("data:image/png;base64,")
    assert begun.json()["uri"].startswith("otpauth://totp/")
    async with components.sessions() as session:
        factor = (await session.execute(select(TotpFactor))).scalar_one()
    assert begun.json()["secret"].encode() not in factor.sealed_secret  # stored sealed
    code = pyotp.TOTP(begun.json()["secret"]).now()
    done = await client.post(
        f"{MFA}/totp/confirm", json={"code": code}, headers={"x-csrf-token": body["csrf_token"]}
    )
    assert done.status_code == 200
    assert len(done.json()["recovery_codes"]) == 10
    assert client.cookies["limner_session"] != half
    me = await client.get("/v1/limner/auth/me")
    assert me.status_code == 200
    assert me.json()["mfa_at"] is not None


async def test_a_totp_code_works_once_and_failures_name_no_factor(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["reviewer"])
    secret, _ = await enrol_totp(client, (await sign_in(client, email))["csrf_token"])
    body = await sign_in(client, email)
    assert body["status"] == "mfa_required"
    assert "totp" in body["factors"]
    headers = {"x-csrf-token": body["csrf_token"]}
    # The enrolment used the current step; the next step's code is new (one step of drift is allowed).
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)
    assert (
        await client.post(f"{MFA}/verify", json={"method": "totp", "code": code}, headers=headers)
    ).status_code == 200
    again = await sign_in(client, email)
    replay = await client.post(
        f"{MFA}/verify", json={"method": "totp", "code": code}, headers={"x-csrf-token": again["csrf_token"]}
    )
    assert replay.status_code == 401
    error = replay.json()["error"]
    assert error["code"] == "mfa_failed"
    assert "totp" not in error["message"].lower()
    async with components.sessions() as session:
        failures = (
            (
                await session.execute(
                    select(AuditEvent).where(AuditEvent.action == "auth.mfa", AuditEvent.outcome == "failure")
                )
            )
            .scalars()
            .all()
        )
    assert len(failures) == 1


async def test_recovery_codes_are_single_use(client: httpx.AsyncClient, components: Components) -> None:
    email = await person(components, ["admin"])
    _, enrolled = await enrol_totp(client, (await sign_in(client, email))["csrf_token"])
    codes = enrolled["recovery_codes"]
    assert isinstance(codes, list)
    body = await sign_in(client, email)
    verify = {"method": "recovery_code", "code": codes[0]}
    assert (
        await client.post(f"{MFA}/verify", json=verify, headers={"x-csrf-token": body["csrf_token"]})
    ).status_code == 200
    body = await sign_in(client, email)
    reused = await client.post(f"{MFA}/verify", json=verify, headers={"x-csrf-token": body["csrf_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "mfa_failed"


async def test_a_half_session_cannot_add_a_second_factor(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["admin"])
    await enrol_totp(client, (await sign_in(client, email))["csrf_token"])
    body = await sign_in(client, email)
    refused = await client.post(f"{MFA}/totp", headers={"x-csrf-token": body["csrf_token"]})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_required"


async def test_wrong_codes_are_throttled(client: httpx.AsyncClient, components: Components) -> None:
    email = await person(components, ["admin"])
    await enrol_totp(client, (await sign_in(client, email))["csrf_token"])
    body = await sign_in(client, email)
    headers = {"x-csrf-token": body["csrf_token"]}
    statuses = [
        (
            await client.post(f"{MFA}/verify", json={"method": "totp", "code": "000000"}, headers=headers)
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 429


async def test_passkey_registration_and_authentication(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["admin"])
    body = await sign_in(client, email)
    token = SoftAuthenticator(ORIGIN)
    headers = {"x-csrf-token": body["csrf_token"]}
    options = (await client.post(f"{MFA}/passkeys/register/options", headers=headers)).json()
    assert options["rp"]["id"] == "testserver"
    assert options["challenge"]
    registered = await client.post(
        f"{MFA}/passkeys/register",
        json={"credential": token.register(options), "name": "laptop"},
        headers=headers,
    )
    assert registered.status_code == 200, registered.text
    assert len(registered.json()["recovery_codes"]) == 10
    body = await sign_in(client, email)
    assert body["factors"] == ["passkey", "recovery_code"]
    headers = {"x-csrf-token": body["csrf_token"]}
    challenge = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=headers)).json()
    assertion = token.sign(challenge, "testserver")
    ok = await client.post(
        f"{MFA}/verify", json={"method": "passkey", "credential": assertion}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    assert (await client.get("/v1/limner/auth/me")).status_code == 200


async def test_passkey_assertions_for_another_origin_or_a_replayed_challenge_fail(
    client: httpx.AsyncClient, components: Components
) -> None:
    email = await person(components, ["admin"])
    body = await sign_in(client, email)
    token = SoftAuthenticator(ORIGIN)
    headers = {"x-csrf-token": body["csrf_token"]}
    options = (await client.post(f"{MFA}/passkeys/register/options", headers=headers)).json()
    await client.post(
        f"{MFA}/passkeys/register", json={"credential": token.register(options)}, headers=headers
    )
    body = await sign_in(client, email)
    headers = {"x-csrf-token": body["csrf_token"]}
    challenge = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=headers)).json()
    phished = token.sign(challenge, "testserver", origin="https://evil.example")
    denied = await client.post(
        f"{MFA}/verify", json={"method": "passkey", "credential": phished}, headers=headers
    )
    assert denied.status_code == 401
    assert denied.json()["error"]["code"] == "mfa_failed"
    replayed = token.sign(challenge, "testserver")  # the challenge was consumed by the failed attempt
    again = await client.post(
        f"{MFA}/verify", json={"method": "passkey", "credential": replayed}, headers=headers
    )
    assert again.status_code == 401


@pytest.fixture
def step_up_app(app: FastAPI) -> FastAPI:
    @app.post("/test/sensitive", dependencies=[Depends(require_recent_mfa(300))])
    async def sensitive() -> dict[str, str]:
        return {"status": "done"}

    return app


async def test_step_up_needs_a_recent_mfa(
    step_up_app: FastAPI, client: httpx.AsyncClient, components: Components
) -> None:
    from datetime import timedelta

    from limner.db import utcnow
    from tests.factories import make_caller

    email = await person(components, ["admin"])
    await enrol_totp(client, (await sign_in(client, email))["csrf_token"])
    csrf = client.cookies["limner_csrf"]
    assert (await client.post("/test/sensitive", headers={"x-csrf-token": csrf})).status_code == 200
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow() - timedelta(minutes=10)
    stale = await client.post("/test/sensitive", headers={"x-csrf-token": csrf})
    assert stale.status_code == 403
    assert stale.json()["error"]["code"] == "mfa_step_up_required"
    key = await make_caller(components, roles=["admin"])
    client.cookies.clear()
    assert (await client.post("/test/sensitive", headers=key.headers)).status_code == 403


async def test_totp_secret_sealing_is_bound_to_the_user(components: Components) -> None:
    from cryptography.exceptions import InvalidTag

    from limner.identity.mfa.totp import seal

    sealed = seal(components.secret_key, "JBSWY3DPEHPK3PXP", "user-a")
    assert unseal(components.secret_key, sealed, "user-a") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidTag):
        unseal(components.secret_key, sealed, "user-b")


async def test_removing_a_factor_needs_a_recent_mfa(
    client: httpx.AsyncClient, components: Components
) -> None:
    from datetime import timedelta

    from limner.db import utcnow

    await enrol_totp(client, (await sign_in(client, await person(components, ["creator"])))["csrf_token"])
    csrf = {"x-csrf-token": client.cookies["limner_csrf"]}
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow() - timedelta(minutes=30)
    stale = await client.delete(f"{MFA}/totp", headers=csrf)
    assert stale.status_code == 403
    assert stale.json()["error"]["code"] == "mfa_step_up_required"
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow()
    assert (await client.delete(f"{MFA}/totp", headers=csrf)).status_code == 200
    async with components.sessions() as session:
        assert (await session.execute(select(TotpFactor))).first() is None


async def test_passkeys_are_listed_and_removing_one_needs_a_recent_mfa(
    client: httpx.AsyncClient, components: Components
) -> None:
    from datetime import timedelta

    from limner.db import utcnow

    body = await sign_in(client, await person(components, ["creator"]))
    headers = {"x-csrf-token": body["csrf_token"]}
    options = (await client.post(f"{MFA}/passkeys/register/options", headers=headers)).json()
    credential = SoftAuthenticator(ORIGIN).register(options)
    json = {"credential": credential, "name": "Phone"}
    added = await client.post(f"{MFA}/passkeys/register", json=json, headers=headers)
    headers = {"x-csrf-token": added.json()["csrf_token"]}
    listed = (await client.get(f"{MFA}/passkeys")).json()
    assert [(p["name"], p["last_used_at"]) for p in listed] == [("Phone", None)]
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow() - timedelta(minutes=30)
    stale = await client.delete(f"{MFA}/passkeys/{listed[0]['id']}", headers=headers)
    assert stale.status_code == 403
    assert stale.json()["error"]["code"] == "mfa_step_up_required"
    async with components.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow()
    assert (await client.delete(f"{MFA}/passkeys/unknown", headers=headers)).status_code == 404
    assert (await client.delete(f"{MFA}/passkeys/{listed[0]['id']}", headers=headers)).status_code == 200
    assert (await client.get(f"{MFA}/passkeys")).json() == []
