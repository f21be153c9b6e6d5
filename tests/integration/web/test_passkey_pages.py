"""Passkey pages (integration, over ASGI): add a passkey, list and remove it (step-up), the passkey step at
sign-in, and the refusals. A software authenticator stands in for the browser's WebAuthn; the browser test
(tests/e2e/browser/test_passkeys.py) drives the same pages with Chromium's virtual authenticator."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.db import utcnow
from limner.identity.mfa.models import Passkey
from limner.identity.sessions.models import AuthSession
from tests.factories import make_user
from tests.integration.identity.authenticator import SoftAuthenticator
from tests.integration.identity.conftest import ORIGIN, PASSWORD
from tests.integration.web.conftest import csrf_from, home_csrf, web_sign_in

PAGE = "/account/passkeys"
OPTIONS = "/v1/limner/auth/mfa/passkeys"


async def options(client: httpx.AsyncClient, kind: str, csrf: str) -> dict[str, Any]:
    """What the page script fetches before navigator.credentials (kind: register or authenticate)."""
    response = await client.post(f"{OPTIONS}/{kind}/options", headers={"x-csrf-token": csrf})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_passkey(
    client: httpx.AsyncClient, token: SoftAuthenticator, name: str = "laptop", origin: str | None = None
) -> httpx.Response:
    page = await client.get(PAGE)
    csrf = csrf_from(page.text)
    credential = token.register(await options(client, "register", csrf), origin=origin)
    form = {"csrf_token": csrf, "name": name, "credential": json.dumps(credential)}
    return await client.post(PAGE, data=form)


async def count(c: Components, query: Any) -> int:
    async with c.sessions.begin() as session:
        return int((await session.execute(query)).scalar_one())


async def passkey_count(c: Components) -> int:
    return await count(c, select(func.count()).select_from(Passkey))


async def age_mfa(c: Components) -> None:
    async with c.sessions.begin() as session:
        for row in (await session.execute(select(AuthSession))).scalars():
            row.mfa_at = utcnow() - timedelta(hours=1)


async def test_a_visitor_is_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_the_page_offers_to_add_a_passkey(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Passkeys</h1>" in page.text
    assert "You have no passkeys yet." in page.text
    assert '<label for="passkey-name">Name for this passkey</label>' in page.text
    assert ">Add a passkey</button>" in page.text
    assert 'href="/account/passkeys"' in page.text  # in the navigation


async def test_a_first_passkey_is_listed_and_comes_with_recovery_codes(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    added = await add_passkey(client, SoftAuthenticator(ORIGIN), name="Work laptop")
    assert added.status_code == 200, added.text
    assert "Your passkey is set up." in added.text
    assert added.text.count("<li><code>") == 10
    assert 'href="/account/passkeys">Continue' in added.text
    page = await client.get(PAGE)
    assert "<strong>Work laptop</strong>" in page.text
    assert "not used yet" in page.text
    assert 'Remove<span class="visually-hidden"> passkey Work laptop</span>' in page.text


async def test_a_second_passkey_redirects_with_a_notice(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])  # TOTP enrolled: the passkey is not the first factor
    added = await add_passkey(client, SoftAuthenticator(ORIGIN))
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"{PAGE}?added=1"
    assert "Passkey added." in (await client.get(added.headers["location"])).text


async def test_without_the_csrf_token_nothing_is_added(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = csrf_from((await client.get(PAGE)).text)
    credential = SoftAuthenticator(ORIGIN).register(await options(client, "register", csrf))
    refused = await client.post(PAGE, data={"name": "laptop", "credential": json.dumps(credential)})
    assert refused.status_code == 403
    assert await passkey_count(components) == 0


async def test_an_attestation_for_another_origin_is_refused_on_the_page_and_nothing_is_written(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    refused = await add_passkey(
        client, SoftAuthenticator(ORIGIN), name="phished", origin="https://evil.example"
    )
    assert refused.status_code == 400
    assert "<title>Error: Passkeys" in refused.text
    assert 'href="#add-passkey">The passkey could not be verified' in refused.text
    assert 'value="phished"' in refused.text  # nothing typed lost
    assert 'id="add-passkey" class="button" aria-describedby="add-passkey-error"' in refused.text
    assert await passkey_count(components) == 0
    enrolled = select(func.count()).where(AuditEvent.action == "mfa.enrol")
    assert await count(components, enrolled) == 0


async def test_a_form_without_a_credential_says_the_browser_made_none(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = csrf_from((await client.get(PAGE)).text)
    for credential in ("", "not json", "[1, 2]"):
        refused = await client.post(PAGE, data={"csrf_token": csrf, "name": "x", "credential": credential})
        assert refused.status_code == 400
        assert "Your browser did not create a passkey" in refused.text
    assert await passkey_count(components) == 0


async def test_removal_needs_a_recent_verification_then_removes_and_audits(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    token = SoftAuthenticator(ORIGIN)
    await add_passkey(client, token)
    async with components.sessions.begin() as session:
        passkey_id = (await session.execute(select(Passkey.id))).scalar_one()
    await age_mfa(components)
    remove = f"{PAGE}/{passkey_id}/remove"
    stale = await client.post(remove, data={"csrf_token": csrf_from((await client.get(PAGE)).text)})
    assert stale.status_code == 303
    assert stale.headers["location"] == f"/mfa?next={PAGE}"
    assert await passkey_count(components) == 1
    mfa = await client.get(stale.headers["location"])
    assert ">Use a passkey</button>" in mfa.text
    csrf = csrf_from(mfa.text)
    assertion = token.sign(await options(client, "authenticate", csrf), "testserver")
    form = {"csrf_token": csrf, "method": "passkey", "next": PAGE, "credential": json.dumps(assertion)}
    verified = await client.post("/mfa", data=form)
    assert verified.status_code == 303, verified.text
    assert verified.headers["location"] == PAGE
    removed = await client.post(remove, data={"csrf_token": csrf_from((await client.get(PAGE)).text)})
    assert removed.headers["location"] == f"{PAGE}?removed=1"
    assert await passkey_count(components) == 0
    audited = select(func.count()).where(AuditEvent.action == "mfa.remove")
    assert await count(components, audited) == 1


async def test_another_persons_passkey_cannot_be_removed(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    await add_passkey(client, SoftAuthenticator(ORIGIN))
    async with components.sessions.begin() as session:
        passkey_id = (await session.execute(select(Passkey.id))).scalar_one()
    await client.post("/signout", data={"csrf_token": await home_csrf(client)})
    await web_sign_in(client, components, ["admin"])  # has just verified TOTP: past the step-up
    csrf = csrf_from((await client.get(PAGE)).text)
    refused = await client.post(f"{PAGE}/{passkey_id}/remove", data={"csrf_token": csrf})
    assert refused.status_code == 404
    assert await passkey_count(components) == 1


async def test_sign_in_with_a_passkey_as_the_second_step(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, _ = await web_sign_in(client, components, ["creator"])
    token = SoftAuthenticator(ORIGIN)
    await add_passkey(client, token)
    await client.post("/signout", data={"csrf_token": await home_csrf(client)})
    signed = await client.post("/signin", data={"email": email, "password": PASSWORD})
    assert signed.headers["location"] == "/mfa"  # a person with a passkey is asked for it
    mfa = await client.get("/mfa")
    csrf = csrf_from(mfa.text)
    phished = token.sign(
        await options(client, "authenticate", csrf), "testserver", origin="https://evil.example"
    )
    form = {"csrf_token": csrf, "method": "passkey", "next": "/", "credential": json.dumps(phished)}
    refused = await client.post("/mfa", data=form)
    assert refused.status_code == 400
    assert 'href="#passkey">' in refused.text
    assert (await client.get("/")).headers["location"] == "/mfa"  # still half signed in
    csrf = csrf_from(refused.text)
    assertion = token.sign(await options(client, "authenticate", csrf), "testserver")
    form = {**form, "csrf_token": csrf, "credential": json.dumps(assertion)}
    done = await client.post("/mfa", data=form)
    assert done.status_code == 303, done.text
    assert "<h1>Generate an image</h1>" in (await client.get("/")).text


async def test_an_admins_first_sign_in_can_enrol_a_passkey_instead_of_an_app(
    client: httpx.AsyncClient, components: Components
) -> None:
    user = await make_user(components, roles=["admin"], password=PASSWORD)
    signed = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert signed.headers["location"] == "/mfa/enrol"
    enrol = await client.get("/mfa/enrol")
    assert 'action="/mfa/enrol/passkey"' in enrol.text
    csrf = csrf_from(enrol.text)
    token = SoftAuthenticator(ORIGIN)
    phished = token.register(await options(client, "register", csrf), origin="https://evil.example")
    form = {"csrf_token": csrf, "name": "Phone", "credential": json.dumps(phished)}
    refused = await client.post("/mfa/enrol/passkey", data=form)
    assert refused.status_code == 400
    assert 'href="#add-passkey">The passkey could not be verified' in refused.text
    assert 'value="Phone"' in refused.text
    assert await passkey_count(components) == 0
    assert (await client.get("/")).headers["location"] == "/mfa"  # still half signed in
    credential = token.register(await options(client, "register", csrf))
    done = await client.post("/mfa/enrol/passkey", data={**form, "credential": json.dumps(credential)})
    assert done.status_code == 200, done.text
    assert "Your passkey is set up." in done.text
    assert "<h1>Generate an image</h1>" in (await client.get("/")).text
