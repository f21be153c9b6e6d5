"""Browser test (e2e, Chromium): the gallery, an image's details, an external share link with its
"AI-generated" disclosure, and revoking it on My shares. Over ASGI: tests/integration/web/test_gallery.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin

pytestmark = pytest.mark.e2e


def test_share_an_image_outside_then_revoke_the_link(page: Page, web: WebServer, browser: Browser) -> None:
    email, password = web.new_user("admin")  # external links need images.share_external
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    generate.prompt(page).fill("A paper kite over a green hill, flat illustration")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Your image")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Gallery").click()
    check_page(page, "gallery")
    page.get_by_role("link", name="Image 1 from").first.click()
    expect(page.get_by_role("heading", name="Image details")).to_be_visible()
    page.get_by_label("Anyone with a link").check()
    page.get_by_role("button", name="Share", exact=True).click()
    link = page.locator("#new-link").inner_text()
    check_page(page, "image-details")

    outsider = browser.new_context()
    try:
        public = outsider.new_page()
        public.goto(link)
        expect(public.get_by_text("AI-generated: this image was made by an AI model")).to_be_visible()
        expect(public.get_by_role("img", name="AI-generated image")).to_be_visible()
        check_page(public, "share-external")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My shares").click()
        check_page(page, "my-shares")
        page.get_by_role("button", name="Revoke").first.click()
        expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
        public.reload()
        expect(public.get_by_role("heading", name="Not found")).to_be_visible()
    finally:
        outsider.close()
