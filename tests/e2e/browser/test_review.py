"""Browser test (e2e, Chromium): a second person approves a held image from the review queue, after
revealing its prompt. Over ASGI: tests/integration/web/test_review_pages.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from limner.policy.service import default_policy_text
from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import signin

pytestmark = pytest.mark.e2e
HELD_PROMPT = "Mickey Mouse waving at the camera"


def hold_a_prompt(web: WebServer, tmp_path: Path) -> str:
    """Characters go to review instead of being blocked; a trained creator's request is then held."""
    policy = tmp_path / "review-characters.yaml"
    policy.write_text(
        default_policy_text().replace("ip.character: {action: block}", "ip.character: {action: review}")
    )
    assert web.cli("policy", "set", str(policy)).returncode == 0
    email, _ = web.new_user("creator")
    made = web.cli("keys", "create", "--user", email, "--role", "creator", "--json")
    key = json.loads(made.stdout)["api_key"]
    body = {"model": "limner-local", "prompt": HELD_PROMPT, "size": "256x256"}
    for _ in range(120):  # the server picks up a newly activated policy within its refresh interval
        response = httpx.post(f"{web.base_url}/v1/images/generations", json=body,
                              headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        if response.status_code == 403:
            return str(response.json()["error"]["review_id"])
        time.sleep(0.25)
    raise AssertionError("the request was never held")


def test_second_person_reveals_and_approves_a_held_image(page: Page, web: WebServer, tmp_path: Path) -> None:
    review_id = hold_a_prompt(web, tmp_path)
    email, password = web.new_user("reviewer")
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    check_page(page, "review-queue")
    page.get_by_role("link", name=review_id).click()
    expect(page.get_by_text(HELD_PROMPT)).to_have_count(0)
    page.get_by_role("button", name="Reveal prompt").click()
    expect(page.get_by_text(HELD_PROMPT)).to_be_visible()
    check_page(page, "review-item")
    page.get_by_label("Reason").fill("A generic mascot pose; fine for the internal newsletter")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("approved")
