"""Browser test (e2e, Chromium): with script the Generate page fills one placeholder per image with its
partial renderings as the server streams them, then shows the result. Over ASGI:
tests/integration/web/test_generate_stream.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.axe import check_page
from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin

pytestmark = pytest.mark.e2e
# Evaluated through the DevTools protocol (not subject to the page's CSP): notes every partial shown.
RECORD_PARTIALS = """() => {
  window.limnerPartials = [];
  const pending = document.getElementById("pending");
  new MutationObserver(() => {
    pending.querySelectorAll("img").forEach(img => {
      window.limnerPartials.push(img.alt + " " + img.src.slice(0, 21));
    });
  }).observe(pending, {subtree: true, childList: true, attributes: true});
}"""


def test_placeholders_show_partial_images_then_the_result(page: Page, web: WebServer) -> None:
    email, password = web.new_user("creator")
    signin.sign_in(page, email, password)
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_label("Count").fill("2")
    page.evaluate(RECORD_PARTIALS)
    page.get_by_role("button", name="Generate", exact=True).click()

    expect(page.get_by_role("heading", name="Your images")).to_be_focused()
    expect(page.get_by_role("link", name="Download the signed file")).to_have_count(2)
    shown: list[str] = page.evaluate("window.limnerPartials")
    assert set(shown) == {
        "Image 1 of 2, still rendering data:image/png;base64",
        "Image 2 of 2, still rendering data:image/png;base64",
    }
    assert page.url == f"{web.base_url}/"  # answered by the stream, not by the plain form post
    check_page(page, "generate-streamed")
