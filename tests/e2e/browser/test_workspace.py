"""Browser tests (e2e, Chromium): sign in with TOTP, the prompt coach, generate with provenance.
Each page visited is checked with axe-core and screenshotted (test-artifacts/). The same pages are
tested over ASGI in tests/integration/web."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin

pytestmark = pytest.mark.e2e
EMAIL_PROMPT = "A poster for our summer party, replies to jane.doe@example.com please"


def test_admin_first_sign_in_enrols_totp_then_signs_in_with_it(page: Page, web: WebServer) -> None:
    signin.sign_in(page, web.admin_email, web.admin_password, check=True)
    secret = signin.enrol_totp(page, check=True)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    signin.sign_out(page)
    signin.sign_in(page, web.admin_email, web.admin_password)
    check_page(page, "mfa-verify")
    signin.verify_totp(page, secret)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(web.admin_email)).to_be_visible()


def test_wrong_password_focuses_the_error_summary(page: Page, web: WebServer) -> None:
    signin.sign_in(page, "nobody@example.com", "not-the-password")
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value("nobody@example.com")
    check_page(page, "sign-in-error")


def test_coach_flags_an_email_address_and_offers_the_redacted_rewrite(page: Page, web: WebServer) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    expect(generate.prompt_check(page)).to_be_attached()  # present from load, before any typing
    generate.type_prompt(page, EMAIL_PROMPT)
    check = generate.prompt_check(page)
    expect(check).to_contain_text("an e-mail address")
    expect(check).to_contain_text("pii.email")
    expect(generate.prompt(page)).to_be_focused()  # the swap never takes focus from the prompt
    check_page(page, "generate-coach")
    page.get_by_role("button", name="Use the safe version").click()
    expect(generate.prompt(page)).to_have_value(
        "A poster for our summer party, replies to [PII_EMAIL] please"
    )
    expect(generate.prompt(page)).to_be_focused()
    expect(check).to_contain_text("No problems found")


def test_generate_shows_the_image_its_download_and_provenance(
    page: Page, web: WebServer, tmp_path: Path
) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    heading = page.get_by_role("heading", name="Your image")
    expect(heading).to_be_focused()
    provenance = page.get_by_role("region", name="Provenance")
    expect(provenance).to_contain_text("Watermark id")
    expect(provenance).to_contain_text("Policy version")
    expect(provenance).not_to_contain_text("not found")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed file").click()
    saved = tmp_path / "image.png"
    download.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    check_page(page, "generate-result")
