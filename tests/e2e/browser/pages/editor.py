"""Page object for the editor: paint on the mask canvas with the mouse, as a person does."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def mask(page: Page) -> Locator:
    return page.get_by_role("img", name="Mask")


def paint(page: Page, *, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """Drag the brush from `start` to `end`, given as fractions of the canvas's width and height."""
    box = mask(page).bounding_box()
    assert box is not None, "the mask canvas is not visible"
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * start[0], y + h * start[1])
    page.mouse.down()
    page.mouse.move(x + w * end[0], y + h * end[1], steps=steps)
    page.mouse.up()
