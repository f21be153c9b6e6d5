"""Browser test (e2e, Chromium): the training gate. An untrained person cannot generate; after the
acceptable-use policy and the module's quiz they can.
Over ASGI: tests/integration/web/test_training_pages.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin, training

pytestmark = pytest.mark.e2e


def test_training_gate_then_policy_and_quiz_then_generate(page: Page, web: WebServer) -> None:
    email, password = web.new_user("creator", trained=False)
    signin.sign_in(page, email, password)
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("acknowledge the acceptable-use policy").first).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Training").click()
    expect(page.get_by_role("heading", name="Acceptable-use training")).to_be_visible()
    check_page(page, "training")
    training.acknowledge_policy(page, check=True)
    expect(page.get_by_text("Completed")).to_be_visible()
    training.pass_module(page, check=True)
    page.get_by_role("link", name="Continue with your training").click()
    expect(page.get_by_role("heading", name="You have completed the training")).to_be_visible()
    page.get_by_role("link", name="generate images").click()
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("heading", name="Your image")).to_be_visible()
