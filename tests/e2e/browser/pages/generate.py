"""Page object for the Generate page: the prompt, its live check, and the result."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def prompt(page: Page) -> Locator:
    return page.get_by_label("Prompt", exact=True)


def prompt_check(page: Page) -> Locator:
    return page.get_by_role("status", name="Prompt check")


def type_prompt(page: Page, text: str) -> None:
    """Type as a person does, key by key (the coach reacts to input events)."""
    box = prompt(page)
    box.click()
    box.press_sequentially(text, delay=5)
