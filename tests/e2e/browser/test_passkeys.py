"""Browser tests (e2e, Chromium): add a passkey in the workspace and sign in with it, using Chromium's
virtual authenticator (the DevTools protocol's WebAuthn domain) in place of a fingerprint reader. The
server runs at http://localhost (see conftest.py): WebAuthn refuses an IP address as the RP id."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import signin

pytestmark = pytest.mark.e2e
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def test_add_a_passkey_then_sign_in_with_it_and_remove_it(
    context: BrowserContext, page: Page, web: WebServer
) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    authenticator = made["authenticatorId"]
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_role("heading", name="Passkeys", exact=True)).to_be_visible()
    check_page(page, "passkeys")
    page.get_by_label("Name for this passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.get_by_text("Your passkey is set up.")).to_be_visible()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1
    assert stored[0]["rpId"] == "localhost"
    assert stored[0]["isResidentCredential"]
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_text("Work laptop", exact=True)).to_be_visible()
    check_page(page, "passkeys-list")
    # The same authenticator again: the server's options exclude it, Chromium refuses, the page says so.
    page.get_by_label("Name for this passkey").fill("Again")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("Your browser did not create a passkey")
    expect(page.get_by_label("Name for this passkey")).to_have_value("Again")

    signin.sign_out(page)
    signin.sign_in(page, email, password)
    expect(page.get_by_role("heading", name="Verify it's you")).to_be_visible()
    check_page(page, "mfa-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Generate an image")).to_be_visible()
    signs = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert signs[0]["signCount"] >= 1

    page.goto("/account/passkeys")  # verified a moment ago: removal needs no second step-up
    page.get_by_role("button", name="Remove passkey Work laptop").click()
    expect(page.get_by_role("status")).to_contain_text("Passkey removed.")
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()


def test_an_admins_first_sign_in_enrols_a_passkey_instead_of_an_app(
    context: BrowserContext, page: Page, web: WebServer
) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    email, password = web.new_user("admin")
    signin.sign_in(page, email, password)
    expect(page.get_by_role("heading", name="Or use a passkey")).to_be_visible()
    check_page(page, "mfa-enrol-with-passkey")
    page.get_by_label("Name for this passkey").fill("Security key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey is set up.")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_text("Security key", exact=True)).to_be_visible()
