"""How fast the workspace pages become usable in a browser on a slow CPU (bench; prints and writes results).

A live `limner serve` (fresh `limner init` data dir, as the browser tests start one) and Debian's Chromium
driven by Playwright. A trained creator signs in and makes one image (so the gallery, image and editor
pages have something to show). Then each page is opened RUNS times in a fresh tab with the CPU throttled
4x (CDP Emulation.setCPUThrottlingRate) and the browser cache disabled (every visit is a first visit).

Time to interactive is the `limner:ready` mark limner.js sets once every DOMContentLoaded handler (htmx,
the page's own script) has run, read from the Performance API, so from navigation start to the page's
behaviours being wired. On the Generate page the bench also checks the Prompt textbox is enabled then.
JavaScript bytes are the bodies of the responses Chromium fetched as scripts (the server sends them
uncompressed)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Response, expect, sync_playwright
from tests.e2e.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, WebServer
from tests.e2e.conftest import serve

from bench._common import machine, pct, write_result

WARMUP, RUNS, THROTTLE = 1, 9, 4
GOAL_MS, BUDGET_KB = 1000, 100
READY = "performance.getEntriesByName('limner:ready').length > 0"
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {ready: performance.getEntriesByName('limner:ready')[0].startTime,
          interactive: nav.domInteractive, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


@dataclass
class PageResult:
    name: str
    ready: list[float]
    dcl: list[float]
    load: list[float]
    js_bytes: int


def sign_in_and_make_an_image(page: Page, email: str, password: str) -> str:
    """Signs in as a trained creator, generates one small image; returns its id."""
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Prompt", exact=True).fill("A lighthouse on a cliff at dusk, watercolour")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_role("button", name="Generate", exact=True).click()
    edit = page.get_by_role("link", name="Edit", exact=True).first
    expect(edit).to_be_visible(timeout=120_000)
    href = edit.get_attribute("href") or ""
    return href.removeprefix("/gallery/").removesuffix("/edit")


def visit(context: BrowserContext, path: str, *, prompt: bool) -> tuple[dict[str, float], int]:
    """One throttled, uncached visit: the Performance API timings and the JavaScript bytes loaded."""
    tab = context.new_page()
    scripts: list[Response] = []
    tab.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    tab.goto(path, wait_until="load")
    tab.wait_for_function(READY)
    if prompt:
        expect(tab.get_by_label("Prompt", exact=True)).to_be_enabled()
    timings: dict[str, float] = tab.evaluate(TIMINGS)
    js_bytes = sum(len(r.body()) for r in scripts)
    cdp.detach()
    tab.close()
    return timings, js_bytes


def measure_page(context: BrowserContext, name: str, path: str) -> PageResult:
    result = PageResult(name, [], [], [], 0)
    for i in range(WARMUP + RUNS):
        timings, result.js_bytes = visit(context, path, prompt=name == "Generate")
        if i >= WARMUP:
            result.ready.append(timings["ready"])
            result.dcl.append(timings["dcl"])
            result.load.append(timings["load"])
    return result


def workspace_pages(image_id: str) -> list[tuple[str, str]]:
    return [
        ("Generate", "/"),
        ("Gallery", "/gallery"),
        ("Image details", f"/gallery/{image_id}"),
        ("Edit (mask editor)", f"/gallery/{image_id}/edit"),
        ("Collections", "/collections"),
        ("Templates", "/templates"),
        ("My shares", "/shares"),
        ("Training", "/training"),
        ("My data", "/my-data"),
        ("Passkeys", "/account/passkeys"),
    ]


def run(browser: Browser, web: WebServer) -> list[PageResult]:
    email, password = web.new_user("creator")
    context = browser.new_context(base_url=web.base_url, viewport={"width": 1280, "height": 900})
    try:
        image_id = sign_in_and_make_an_image(context.new_page(), email, password)
        return [measure_page(context, name, path) for name, path in workspace_pages(image_id)]
    finally:
        context.close()


def table(results: list[PageResult]) -> str:
    lines = [
        "| Page | Interactive p50 | Interactive p95 | DOMContentLoaded p50 | load p50 | JavaScript |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {pct(r.ready, 50):.0f} ms | {pct(r.ready, 95):.0f} ms | {pct(r.dcl, 50):.0f} ms"
            f" | {pct(r.load, 50):.0f} ms | {r.js_bytes / 1024:.1f} KB |"
        )
    return "\n".join(lines)


def report(results: list[PageResult], version: str, load: str) -> str:
    generate = next(r for r in results if r.name == "Generate")
    heaviest = max(results, key=lambda r: r.js_bytes)
    return f"""## Speed a person feels: workspace pages in Chromium on a 4x throttled CPU

What: how long each workspace page takes to become usable, and how much JavaScript it loads. Goals: the
Generate page interactive within {GOAL_MS} ms on a 4x throttled CPU; every page at most {BUDGET_KB} KB of
JavaScript (the byte budget is also checked by a browser test; times are only measured here).

How: `bench/ui_speed.py`. A live `limner serve` (fresh `limner init`, SQLite) on loopback and {version}
driven by Playwright, headless. A trained creator signs in and makes one image. Each page is then opened
{RUNS} times (after {WARMUP} warm-up) in a fresh tab with CDP `Emulation.setCPUThrottlingRate` {{rate: {THROTTLE}}}
and the cache disabled, so every visit downloads, parses and runs its scripts again. "Interactive" is the
`limner:ready` mark that limner.js sets after every DOMContentLoaded handler (htmx, the page's own script)
has run, from navigation start (Performance API); on the Generate page the Prompt textbox is enabled by
then. DOMContentLoaded and load are the Navigation Timing `domContentLoadedEventEnd` and `loadEventEnd`.
JavaScript is the sum of the script response bodies (served uncompressed; htmx is most of it). The server
runs on the same machine, so its time to render a page is inside these numbers.

Machine: {machine()}; load average {load} (the machine is shared: read the times as upper bounds).

{table(results)}

Generate page: interactive at p50 {pct(generate.ready, 50):.0f} ms, p95 {pct(generate.ready, 95):.0f} ms
(goal {GOAL_MS} ms). Heaviest page: {heaviest.name}, {heaviest.js_bytes / 1024:.1f} KB of JavaScript
(budget {BUDGET_KB} KB).
"""


def main() -> None:
    before = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp), WebServer, host="localhost") as web,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            version = f"Chromium {browser.version}"
            results = run(browser, web)
        finally:
            browser.close()
    print(table(results))
    load = f"{before:.1f} before, {os.getloadavg()[0]:.1f} after"
    path = write_result("ui_speed", report(results, version, load))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
