"""Page object for sign-in: password, then TOTP enrolment or verification."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page


def sign_in(page: Page, email: str, password: str, *, check: bool = False) -> None:
    page.goto("/")
    if check:
        check_page(page, "sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def enrol_totp(page: Page, *, check: bool = False) -> str:
    """On the enrolment page: read the key (as from the QR code), confirm with a code; returns the secret."""
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to add Limner to your authenticator app")).to_be_visible()
    if check:
        check_page(page, "mfa-enrol")
    page.get_by_text("Can't scan the code?").click()
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    if check:
        check_page(page, "recovery-codes")
    page.get_by_role("link", name="Continue").click()
    return secret


def verify_totp(page: Page, secret: str) -> None:
    """A code from the next time step: the one used at enrolment cannot be replayed."""
    expect(page.get_by_role("heading", name="Verify it's you")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
