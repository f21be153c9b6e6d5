"""Browser test (e2e, Chromium): every page stays within the JavaScript budget. Bytes are deterministic,
so this is a budget check, not a timing; how fast pages become usable is measured by bench/ui_speed.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.browser.conftest import WebServer
from tests.e2e.browser.pages import generate, signin

pytestmark = pytest.mark.e2e
BUDGET = 100 * 1024


def script_bytes(page: Page, scripts: list[Response], path: str) -> int:
    scripts.clear()
    page.goto(path, wait_until="load")
    return sum(len(response.body()) for response in scripts)


def make_an_image(page: Page) -> str:
    generate.prompt(page).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate", exact=True).click()
    edit = page.get_by_role("link", name="Edit", exact=True).first
    expect(edit).to_be_visible()
    return (edit.get_attribute("href") or "").removesuffix("/edit")


def test_every_page_loads_at_most_100_kb_of_javascript(page: Page, web: WebServer) -> None:
    scripts: list[Response] = []
    page.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # every visit fetches its scripts
    loaded = {"sign-in": script_bytes(page, scripts, "/")}
    email, password = web.new_user("admin")  # an admin's navigation links to every page
    signin.sign_in(page, email, password)
    signin.enrol_totp(page)
    image = make_an_image(page)
    links = page.get_by_role("navigation", name="Main").get_by_role("link").all()
    paths = [link.get_attribute("href") or "" for link in links]
    for path in [*paths, image, f"{image}/edit"]:
        loaded[path] = script_bytes(page, scripts, path)

    assert {"/", "/gallery", "/admin"} <= loaded.keys()
    assert all(loaded.values()), loaded  # every page loads limner.js, so nothing went unmeasured
    assert {path: size for path, size in loaded.items() if size > BUDGET} == {}
