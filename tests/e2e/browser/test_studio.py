"""Browser tests (e2e, Chromium): the quota falling as one generates, Generate again with its set and
compare, the editor with a mask painted by mouse, and the admin's usage by group. Each new page is
checked with axe-core and screenshotted. Over ASGI: tests/integration/web/test_edit.py,
test_generate_again.py, test_quota_panel.py, test_usage_page.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import editor, generate, signin

pytestmark = pytest.mark.e2e
DAILY = 1000  # the web fixture's per-person daily quota


def quota(page: Page, left: int) -> None:
    expect(page.locator("#quota")).to_contain_text(f"Your images today: {left} left of {DAILY}")


def test_generate_again_then_edit_with_a_painted_mask_while_the_quota_falls(
    page: Page, web: WebServer
) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    quota(page, DAILY)
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    expect(page.locator("#quota")).to_contain_text("This request: about $0.00")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_role("heading", name="Your image")).to_be_focused()
    quota(page, DAILY - 1)

    page.get_by_role("button", name="Generate again").click()
    expect(page.get_by_role("heading", name="This set: 2 results")).to_be_visible()
    quota(page, DAILY - 2)
    check_page(page, "generate-again")
    page.get_by_label("Compare result 1").check()
    page.get_by_label("Compare result 2").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_role("heading", name="Compare images")).to_be_visible()
    expect(page.get_by_role("img", name="Image 2 of 2")).to_be_visible()
    check_page(page, "compare")

    page.get_by_role("link", name="Details of image 1").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit image")).to_be_visible()
    status = page.locator("#mask-status")
    editor.paint(page, start=(0.2, 0.2), end=(0.6, 0.5))
    expect(status).to_have_text("The marked area will change.")
    page.get_by_role("button", name="Undo").click()
    expect(status).to_have_text("Nothing is marked yet.")
    editor.paint(page, start=(0.3, 0.3), end=(0.7, 0.7))
    expect(page.locator("#mask-data")).to_have_value(re.compile(r"^data:image/png;base64,"))
    generate.prompt(page).fill("Add a small red boat on the sea")
    expect(generate.prompt_check(page)).to_contain_text("No problems found")
    check_page(page, "editor")
    page.get_by_role("button", name="Apply edit").click()

    expect(page.get_by_role("heading", name="Image details")).to_be_visible()
    expect(page.get_by_text("Your edit is ready")).to_be_visible()
    expect(page.get_by_role("region", name="Provenance")).to_contain_text("Policy version")
    check_page(page, "edit-result")
    page.get_by_role("link", name="the original image").click()
    expect(page.get_by_role("heading", name="Image details")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Generate").click()
    quota(page, DAILY - 3)  # the edit counted too


def test_admin_sees_usage_by_group(page: Page, web: WebServer) -> None:
    email, password = web.new_user("admin")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Usage").click()
    expect(page.get_by_role("heading", name="Usage by group")).to_be_visible()
    expect(page.get_by_role("link", name="Download as CSV")).to_be_visible()
    check_page(page, "usage-by-group")
