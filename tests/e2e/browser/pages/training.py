"""Page object for the training pages: the policy to acknowledge and the module's quiz."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page

RIGHT_ANSWERS = (
    "A friendly customer service agent at a desk, soft daylight",
    "No: the check is a safety net; I am still responsible for what I type",
    "Decline: it would show real people in an event that never happened",
    "Keep its content credentials and say that it was made with AI",
    "A trained reviewer decides, with a reason; any look at the prompt is recorded",
)


def acknowledge_policy(page: Page, *, check: bool = False) -> None:
    page.get_by_role("link", name="Read the acceptable-use policy (version 1)").click()
    expect(page.get_by_role("heading", name="Acceptable use of image generation", level=1)).to_be_visible()
    if check:
        check_page(page, "training-policy")
    page.get_by_label("I have read this policy and will follow it").check()
    page.get_by_role("button", name="Acknowledge").click()


def pass_module(page: Page, *, check: bool = False) -> None:
    page.get_by_role("link", name="Using image generation responsibly").click()
    if check:
        check_page(page, "training-module")
    for answer in RIGHT_ANSWERS:
        page.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
