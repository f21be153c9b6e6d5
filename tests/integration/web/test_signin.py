"""Sign-in pages (integration, over ASGI): password, TOTP enrolment and verification, CSRF, sign-out.
The browser tests in tests/e2e/browser drive the same pages in Chromium."""

from __future__ import annotations

import re
import time

import httpx
import pyotp

from limner.components import Components
from limner.identity.config import OidcProviderConfig
from tests.factories import make_user
from tests.integration.identity.conftest import PASSWORD
from tests.integration.web.conftest import csrf_from, enrol_totp, home_csrf, web_sign_in


async def test_visitor_sees_sign_in_form(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert '<label for="email">Email</label>' in response.text
    assert '<label for="password">Password</label>' in response.text
    assert ">Sign in</button>" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


async def test_wrong_password_shows_error_summary_and_keeps_email(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/signin", data={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert response.status_code == 400
    assert "<title>Error: Sign in" in response.text
    assert "There is a problem" in response.text
    assert 'href="#email"' in response.text
    assert 'value="nobody@example.com"' in response.text
    assert "wrong-password" not in response.text


async def test_empty_fields_are_named_in_the_summary(client: httpx.AsyncClient) -> None:
    response = await client.post("/signin", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address" in response.text
    assert "Enter your password" in response.text


async def test_admin_first_sign_in_goes_to_mfa_enrolment_then_generate(
    client: httpx.AsyncClient, components: Components
) -> None:
    user = await make_user(components, roles=["admin"], password=PASSWORD)
    response = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.headers["location"] == "/mfa/enrol"
    assert (await client.get("/")).headers["location"] == "/mfa"  # half-signed-in: no pages yet
    enrol = await client.get("/mfa/enrol")
    assert 'src="data:image/svg+xml' in enrol.text
    assert "QR code" in enrol.text
    await enrol_totp(client)
    home = await client.get("/")
    assert "<h1>Generate an image</h1>" in home.text


async def test_second_sign_in_asks_for_totp(client: httpx.AsyncClient, components: Components) -> None:
    email, secret = await web_sign_in(client, components, ["admin"])
    assert secret is not None
    signed_out = await client.post("/signout", data={"csrf_token": await home_csrf(client)})
    assert signed_out.status_code == 303
    again = await client.post("/signin", data={"email": email, "password": PASSWORD})
    assert again.headers["location"] == "/mfa"
    form = await client.get("/mfa")
    bad = await client.post("/mfa", data={"code": "000000", "csrf_token": csrf_from(form.text)})
    assert bad.status_code == 400
    assert "The verification failed" in bad.text
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment used the current step
    good = await client.post("/mfa", data={"code": code, "csrf_token": csrf_from(bad.text)})
    assert good.status_code == 303
    assert good.headers["location"] == "/"
    assert "<h1>Generate an image</h1>" in (await client.get("/")).text


async def test_form_post_without_csrf_token_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.post("/generate", data={"prompt": "a lighthouse"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "<html" in response.text


async def test_signed_out_page_redirects_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.post("/generate", data={"prompt": "x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_each_sso_provider_gets_a_sign_in_button(
    client: httpx.AsyncClient, components: Components
) -> None:
    components.settings.identity.oidc = [
        OidcProviderConfig(
            name=name, issuer=f"https://{name}.example.com", client_id="limner", client_secret="s"
        )
        for name in ("okta", "entra")
    ]
    page = await client.get("/")
    for name in ("okta", "entra"):
        assert f'href="/v1/limner/auth/oidc/{name}/login">Sign in with SSO' in page.text


async def test_sign_in_posted_from_another_site_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    user = await make_user(components, roles=["creator"], password=PASSWORD)
    form = {"email": user.email, "password": PASSWORD}
    for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}):
        refused = await client.post("/signin", data=form, headers=headers)
        assert refused.status_code == 403
        assert "limner_session" not in refused.headers.get("set-cookie", "")
    ours = await client.post(
        "/signin",
        data=form,
        headers={"sec-fetch-site": "same-origin", "origin": "null"},  # no-referrer pages
    )
    assert ours.status_code == 303


async def test_a_recovery_code_signs_in_once(client: httpx.AsyncClient, components: Components) -> None:
    user = await make_user(components, roles=["admin"], password=PASSWORD)
    await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    enrol = await client.get("/mfa/enrol")
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", enrol.text)
    assert secret
    done = await client.post(
        "/mfa/enrol", data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_from(enrol.text)}
    )
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.text)
    assert len(codes) == 10
    for attempt, expected in ((1, 303), (2, 400)):
        await client.post("/signout", data={"csrf_token": await home_csrf(client)})
        await client.post("/signin", data={"email": user.email, "password": PASSWORD})
        form = await client.get("/mfa")
        data = {"method": "recovery_code", "code": codes[0], "csrf_token": csrf_from(form.text)}
        response = await client.post("/mfa", data=data)
        assert response.status_code == expected, f"attempt {attempt}"
        if expected == 303:
            assert "Generate an image" in (await client.get("/")).text
