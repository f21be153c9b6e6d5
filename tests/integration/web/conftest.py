"""Web page fixtures (integration): a signed-in browser-like client over ASGI, forms with the CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pyotp
import pytest

from limner.components import Components
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import make_user
from tests.integration.identity.conftest import PASSWORD, identity_overrides

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, **identity_overrides(), policy={"enabled": True})


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def web_sign_in(client: httpx.AsyncClient, c: Components, roles: list[str]) -> tuple[str, str | None]:
    """Sign in through the pages (enrolling TOTP when the role needs MFA); returns (email, TOTP secret)."""
    user = await make_user(c, roles=roles, password=PASSWORD)
    response = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    secret = None
    if response.headers["location"] == "/mfa/enrol":
        secret = await enrol_totp(client)
    return user.email, secret


async def enrol_totp(client: httpx.AsyncClient) -> str:
    page = await client.get("/mfa/enrol")
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page.text)
    assert secret, page.text
    code = pyotp.TOTP(secret.group(1)).now()
    done = await client.post("/mfa/enrol", data={"code": code, "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200, done.text
    assert "Save your recovery codes" in done.text
    return secret.group(1)


async def home_csrf(client: httpx.AsyncClient) -> str:
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200, home.text
    return csrf_from(home.text)
