"""Integration: TOTP through the MFA API on a frozen clock: the drift window, expired, replayed and
malformed codes, re-enrolment, recovery codes (single use, normalised, regenerated) and factor changes.

Twin: tests/unit/identity/mfa/test_mfa_policy.py (who needs MFA and the step-up rule)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pyotp
import pytest
from sqlalchemy import select

from limner.components import Components
from limner.identity.mfa import totp
from limner.identity.mfa.models import RecoveryCode
from tests.integration.identity.conftest import person, sign_in

MFA = "/v1/limner/auth/mfa"
T0 = 1_900_000_020  # 20 s into a 30 s step


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The TOTP module reads time.time() for the current step: freeze it."""
    frozen = Clock()
    monkeypatch.setattr(totp, "time", SimpleNamespace(time=frozen.time))
    return frozen


async def enrol(client: httpx.AsyncClient, email: str) -> tuple[pyotp.TOTP, list[str]]:
    csrf = {"x-csrf-token": (await sign_in(client, email))["csrf_token"]}
    secret = (await client.post(f"{MFA}/totp", headers=csrf)).json()["secret"]
    generator = pyotp.TOTP(secret)
    done = await client.post(f"{MFA}/totp/confirm", json={"code": generator.at(T0)}, headers=csrf)
    assert done.status_code == 200, done.text
    codes: list[str] = done.json()["recovery_codes"]
    return generator, codes


async def verify(client: httpx.AsyncClient, email: str, method: str, code: str) -> httpx.Response:
    body = await sign_in(client, email)
    assert body["status"] == "mfa_required"
    return await client.post(
        f"{MFA}/verify", json={"method": method, "code": code}, headers={"x-csrf-token": body["csrf_token"]}
    )


@pytest.mark.parametrize(
    ("offset_s", "accepted"),
    [(30, True), (60, True), (0, False), (-30, False), (90, False)],
    ids=["current-step", "one-ahead", "used-step", "two-behind", "two-ahead"],
)
async def test_a_code_is_accepted_one_step_ahead_but_never_for_a_used_or_distant_step(
    client: httpx.AsyncClient, components: Components, clock: Clock, offset_s: int, accepted: bool
) -> None:
    email = await person(components, ["reviewer"])
    generator, _ = await enrol(client, email)  # claims the step of T0
    clock.now = T0 + 30  # one step later: T0's step is "one behind", already used
    response = await verify(client, email, "totp", generator.at(T0 + offset_s))
    assert (response.status_code == 200) is accepted, response.text


async def test_a_code_from_the_previous_step_is_accepted_for_clock_drift(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["reviewer"])
    generator, _ = await enrol(client, email)
    clock.now = T0 + 60
    assert (await verify(client, email, "totp", generator.at(T0 + 30))).status_code == 200
    assert (await verify(client, email, "totp", generator.at(T0 + 30))).status_code == 401  # replay


async def test_an_earlier_step_cannot_be_used_after_a_later_one(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["reviewer"])
    generator, _ = await enrol(client, email)
    clock.now = T0 + 60
    assert (await verify(client, email, "totp", generator.at(T0 + 90))).status_code == 200
    late = await verify(client, email, "totp", generator.at(T0 + 60))  # in the window, but older
    assert late.status_code == 401
    assert late.json()["error"]["code"] == "mfa_failed"


@pytest.mark.parametrize("code", ["", "12345a", " 123456", "\uff11\uff12\uff13\uff14\uff15\uff16"])
async def test_malformed_codes_fail_like_wrong_ones(
    client: httpx.AsyncClient, components: Components, clock: Clock, code: str
) -> None:
    email = await person(components, ["reviewer"])
    await enrol(client, email)
    clock.now = T0 + 30
    refused = await verify(client, email, "totp", code)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "mfa_failed"


async def test_a_wrong_first_code_does_not_confirm_the_enrolment(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["admin"])
    csrf = {"x-csrf-token": (await sign_in(client, email))["csrf_token"]}
    secret = (await client.post(f"{MFA}/totp", headers=csrf)).json()["secret"]
    wrong = pyotp.TOTP(secret).at(T0 - 120)
    refused = await client.post(f"{MFA}/totp/confirm", json={"code": wrong}, headers=csrf)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "mfa_failed"
    assert (await client.get("/v1/limner/auth/me")).status_code == 401  # still half signed in


async def test_restarting_an_unconfirmed_enrolment_replaces_the_secret(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["admin"])
    csrf = {"x-csrf-token": (await sign_in(client, email))["csrf_token"]}
    first = (await client.post(f"{MFA}/totp", headers=csrf)).json()["secret"]
    second = (await client.post(f"{MFA}/totp", headers=csrf)).json()["secret"]
    assert first != second
    stale = await client.post(f"{MFA}/totp/confirm", json={"code": pyotp.TOTP(first).at(T0)}, headers=csrf)
    assert stale.status_code == 401
    ok = await client.post(f"{MFA}/totp/confirm", json={"code": pyotp.TOTP(second).at(T0)}, headers=csrf)
    assert ok.status_code == 200


async def test_a_confirmed_authenticator_must_be_removed_before_enrolling_another(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["creator"])
    await enrol(client, email)
    csrf = {"x-csrf-token": client.cookies["limner_csrf"]}
    again = await client.post(f"{MFA}/totp", headers=csrf)
    assert again.status_code == 409


async def test_a_confirm_code_for_an_already_confirmed_factor_is_refused(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["creator"])
    generator, _ = await enrol(client, email)
    csrf = {"x-csrf-token": client.cookies["limner_csrf"]}
    refused = await client.post(f"{MFA}/totp/confirm", json={"code": generator.at(T0 + 30)}, headers=csrf)
    assert refused.status_code == 401


async def test_recovery_codes_ignore_case_spaces_and_dashes_and_work_once(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["admin"])
    _, codes = await enrol(client, email)
    typed = " " + codes[0].upper().replace("-", " ") + " "
    assert (await verify(client, email, "recovery_code", typed)).status_code == 200
    assert (await verify(client, email, "recovery_code", codes[0])).status_code == 401
    assert (await verify(client, email, "recovery_code", "not-a-code")).status_code == 401
    async with components.sessions() as session:
        used = (await session.execute(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))).all()
    assert len(used) == 1


async def test_regenerated_recovery_codes_replace_the_old_ones(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["admin"])
    _, old = await enrol(client, email)
    regenerated = await client.post(
        f"{MFA}/recovery-codes", headers={"x-csrf-token": client.cookies["limner_csrf"]}
    )
    assert regenerated.status_code == 200
    new = regenerated.json()["recovery_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert (await verify(client, email, "recovery_code", old[1])).status_code == 401
    assert (await verify(client, email, "recovery_code", new[0])).status_code == 200


async def test_recovery_codes_need_an_enrolled_factor(
    client: httpx.AsyncClient, components: Components
) -> None:
    await sign_in(client, await person(components, ["creator"]))
    # A creator signs in completely without MFA, but never did MFA: the step-up refuses first.
    refused = await client.post(
        f"{MFA}/recovery-codes", headers={"x-csrf-token": client.cookies["limner_csrf"]}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_step_up_required"


async def test_after_removing_the_only_factor_recovery_codes_cannot_be_regenerated(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["creator"])
    await enrol(client, email)
    csrf = {"x-csrf-token": client.cookies["limner_csrf"]}
    assert (await client.delete(f"{MFA}/totp", headers=csrf)).json() == {"status": "removed"}
    assert (await client.delete(f"{MFA}/totp", headers=csrf)).status_code == 200  # idempotent
    refused = await client.post(f"{MFA}/recovery-codes", headers=csrf)
    assert refused.status_code == 409
    assert (await sign_in(client, email))["status"] == "ok"  # no factor left: no MFA for a creator


async def test_a_half_session_cannot_change_factors(
    client: httpx.AsyncClient, components: Components, clock: Clock
) -> None:
    email = await person(components, ["admin"])
    await enrol(client, email)
    body = await sign_in(client, email)
    csrf = {"x-csrf-token": body["csrf_token"]}
    for response in (
        await client.post(f"{MFA}/recovery-codes", headers=csrf),
        await client.delete(f"{MFA}/totp", headers=csrf),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "mfa_required"
