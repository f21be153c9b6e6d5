"""Integration: passkeys through the MFA API with a software authenticator: every refusal of
registration and assertion (no challenge, wrong relying party, unknown or foreign credential, a
cloned authenticator's sign count) and a second passkey on a complete session.

Twin: tests/unit/identity/mfa/test_mfa_policy.py (the relying party drawn from settings)."""

from __future__ import annotations

from typing import Any

import httpx

from limner.components import Components
from tests.integration.identity.authenticator import SoftAuthenticator
from tests.integration.identity.conftest import ORIGIN, person, sign_in

MFA = "/v1/limner/auth/mfa"


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrf-token": client.cookies["limner_csrf"]}


async def register(
    client: httpx.AsyncClient, token: SoftAuthenticator, *, rp_id: str | None = None
) -> httpx.Response:
    options = (await client.post(f"{MFA}/passkeys/register/options", headers=csrf(client))).json()
    if rp_id is not None:
        options = {**options, "rp": {**options["rp"], "id": rp_id}}
    return await client.post(
        f"{MFA}/passkeys/register", json={"credential": token.register(options)}, headers=csrf(client)
    )


async def assert_with(client: httpx.AsyncClient, credential: dict[str, Any]) -> httpx.Response:
    return await client.post(
        f"{MFA}/verify", json={"method": "passkey", "credential": credential}, headers=csrf(client)
    )


async def enrolled(client: httpx.AsyncClient, components: Components) -> tuple[str, SoftAuthenticator]:
    email = await person(components, ["admin"])
    await sign_in(client, email)
    token = SoftAuthenticator(ORIGIN)
    assert (await register(client, token)).status_code == 200
    return email, token


async def test_a_registration_without_a_requested_challenge_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    await sign_in(client, await person(components, ["admin"]))
    options = {"rp": {"id": "testserver"}, "challenge": "c2VsZi1jaG9zZW4"}  # chosen by the client
    refused = await client.post(
        f"{MFA}/passkeys/register",
        json={"credential": SoftAuthenticator(ORIGIN).register(options)},
        headers=csrf(client),
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "mfa_failed"
    assert (await client.get("/v1/limner/auth/me")).status_code == 401  # still half signed in


async def test_a_registration_for_another_relying_party_or_origin_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    await sign_in(client, await person(components, ["admin"]))
    assert (await register(client, SoftAuthenticator(ORIGIN), rp_id="evil.example")).status_code == 401
    assert (await register(client, SoftAuthenticator("https://evil.example"))).status_code == 401


async def test_a_second_passkey_gets_no_new_recovery_codes_and_the_first_is_excluded(
    client: httpx.AsyncClient, components: Components
) -> None:
    _, first = await enrolled(client, components)
    options = (await client.post(f"{MFA}/passkeys/register/options", headers=csrf(client))).json()
    assert [c["id"] for c in options["excludeCredentials"]] == [first.register(options)["id"]]
    second = await client.post(
        f"{MFA}/passkeys/register",
        json={"credential": SoftAuthenticator(ORIGIN).register(options), "name": "phone"},
        headers=csrf(client),
    )
    assert second.status_code == 200, second.text
    assert second.json()["recovery_codes"] is None


async def test_authentication_options_list_only_the_users_passkeys(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, token = await enrolled(client, components)
    await sign_in(client, email)
    options = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=csrf(client))).json()
    assert [c["id"] for c in options["allowCredentials"]] == [token.sign(options, "testserver")["id"]]
    assert options["rpId"] == "testserver"


async def test_an_assertion_without_requested_options_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, token = await enrolled(client, components)
    await sign_in(client, email)
    forged = token.sign({"challenge": "c2VsZi1jaG9zZW4"}, "testserver")
    assert (await assert_with(client, forged)).status_code == 401


async def test_an_unknown_credential_or_another_users_passkey_is_refused(
    app: object, client: httpx.AsyncClient, components: Components
) -> None:
    email, _ = await enrolled(client, components)
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)  # type: ignore[arg-type]
    async with other:
        _, foreign = await enrolled(other, components)
    await sign_in(client, email)
    for token in (SoftAuthenticator(ORIGIN), foreign):
        options = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=csrf(client))).json()
        refused = await assert_with(client, token.sign(options, "testserver"))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "mfa_failed"


async def test_a_cloned_authenticator_is_caught_by_its_sign_count(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, token = await enrolled(client, components)
    await sign_in(client, email)
    options = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=csrf(client))).json()
    assert (await assert_with(client, token.sign(options, "testserver"))).status_code == 200
    await sign_in(client, email)
    token.sign_count -= 1  # a copy of the key that has not seen the last use
    options = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=csrf(client))).json()
    assert (await assert_with(client, token.sign(options, "testserver"))).status_code == 401


async def test_an_assertion_for_another_relying_party_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, token = await enrolled(client, components)
    await sign_in(client, email)
    options = (await client.post(f"{MFA}/passkeys/authenticate/options", headers=csrf(client))).json()
    assert (await assert_with(client, token.sign(options, "evil.example"))).status_code == 401
