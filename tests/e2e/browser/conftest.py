"""Browser fixtures: a live `limner serve` of its own, and Debian's Chromium driven by Playwright.

Tests here are end-to-end (marker e2e); the same pages are tested over ASGI in tests/integration/web."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.conftest import LiveServer, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class WebServer(LiveServer):
    def new_user(self, role: str, *, trained: bool = True) -> tuple[str, str]:
        """A person with `role`; `trained` records every training module (as a learning system would)."""
        email = f"{role}-{os.urandom(4).hex()}@example.com"
        made = self.cli("users", "create", "--email", email, "--role", role, "--json")
        assert made.returncode == 0, made.stderr
        if trained:
            done = self.cli("training", "record", "--user", email, "--all")
            assert done.returncode == 0, done.stderr
        return email, json.loads(made.stdout)["password"]


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """A server of its own, so browser tests never share state with the SDK tests. localhost, not 127.0.0.1:
    WebAuthn refuses an IP address as the relying party id, and Chromium treats http://localhost as secure.
    A daily image quota gives the Generate page's quota panel something to count down."""
    quota = {"LIMNER_IDENTITY__QUOTAS__PER_USER__PER_DAY": "1000"}
    with serve(tmp_path_factory.mktemp("web"), WebServer, env=quota, host="localhost") as server:
        yield server


# Module scope, not session: Playwright's sync API runs an event loop in this thread, and async tests
# collected after the browser tests would find it still running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, web: WebServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        base_url=web.base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A fresh tab; any Content-Security-Policy violation or page error fails the test."""
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    yield tab
    assert not problems, problems
