"""check_page: no serious or critical axe-core violation, no sideways scroll at 320 px, screenshots saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

from tests.modes import current_mode

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# One folder per test mode: `make test` runs both modes at once.
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / current_mode()
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=320, height=720)
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def check_page(page: Page, name: str) -> None:
    """Call on every page a test visits: accessibility, phone width, screenshots for people to look at."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci --prefix tests/e2e/browser` (make dev does)")
    # Evaluated through the DevTools protocol, so the page's strict CSP stays on for its own scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)
    size = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    fits = page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(size)
    assert not serious, f"{name}: {serious}"
    assert fits, f"{name}: the page scrolls sideways at 320 px"
