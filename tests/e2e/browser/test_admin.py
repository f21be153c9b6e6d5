"""Browser tests (e2e, Chromium): an admin creates an API key (shown once); an auditor verifies the
audit chain; Verify takes an upload. Over ASGI: tests/integration/web/test_admin_audit_pages.py."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import signin

pytestmark = pytest.mark.e2e


def test_admin_creates_an_api_key_shown_once(page: Page, web: WebServer) -> None:
    owner, _ = web.new_user("creator")
    email, password = web.new_user("admin")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    check_page(page, "admin")
    page.get_by_role("link", name="People and roles").click()
    check_page(page, "admin-users")
    page.goto("/admin/keys")
    page.get_by_label("Owner's email").fill(owner)
    page.get_by_label("Name").fill("nightly render job")
    page.get_by_label("creator").check()
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-key")
    expect(shown).to_contain_text("lmn_")
    check_page(page, "admin-key-created")
    key = shown.inner_text().strip()
    assert (
        httpx.get(f"{web.base_url}/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    )
    page.goto("/admin/keys")
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.get_by_text(key)).to_have_count(0)


def test_auditor_verifies_the_chain(page: Page, web: WebServer) -> None:
    email, password = web.new_user("auditor")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    page.get_by_label("Action").fill("mfa.enrol")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url("/audit?user=&action=mfa.enrol&since=&until=")
    check_page(page, "audit-search")
    page.get_by_role("link", name="Check the chain and its signed checkpoints").click()
    expect(page.get_by_role("heading", name="Chain verified")).to_be_visible()
    check_page(page, "audit-chain")


def test_verify_an_uploaded_image(page: Page, web: WebServer, tmp_path: object) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Verify").click()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(buffer, "PNG")
    page.get_by_label("Image").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": buffer.getvalue()}
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Not recognised as a Limner image")).to_be_visible()
    check_page(page, "verify")


PAGES = (
    ("/admin/access", "admin-access"),
    ("/admin/backends", "admin-backends"),
    ("/admin/training", "admin-training"),
    ("/admin/training/modules/responsible-use", "admin-training-module"),
    ("/admin/policy", "admin-policy"),
    ("/admin/privacy", "admin-privacy"),
    ("/my-data", "my-data"),
)


def test_every_other_admin_and_data_page_passes_axe(page: Page, web: WebServer) -> None:
    email, password = web.new_user("admin")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)  # also the recent verification the policy editor asks for
    for path, name in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, name)
    page.goto("/admin/users")
    page.get_by_role("link", name=email).click()
    expect(page.get_by_role("button", name="Save roles")).to_be_visible()
    check_page(page, "admin-person")
