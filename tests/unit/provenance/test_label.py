"""Unit tests for the optional visible label."""

from __future__ import annotations

import numpy as np
import pytest

from limner.provenance.config import Corner, LabelSettings
from limner.provenance.label import draw_label

from .images import flat

CORNERS: dict[Corner, tuple[slice, slice]] = {
    "bottom_right": (slice(448, 512), slice(256, 512)),
    "bottom_left": (slice(448, 512), slice(0, 256)),
    "top_right": (slice(0, 64), slice(256, 512)),
    "top_left": (slice(0, 64), slice(0, 256)),
}


@pytest.mark.parametrize("position", list(CORNERS))
def test_label_is_drawn_only_in_its_corner(position: Corner) -> None:
    image = flat(128, (512, 512))
    labelled = draw_label(image, LabelSettings(enabled=True, position=position))
    changed = np.any(labelled != image, axis=2)
    rows, cols = CORNERS[position]
    assert changed[rows, cols].sum() > 200
    assert changed.sum() == changed[rows, cols].sum()


def test_opacity_scales_the_change() -> None:
    image = flat(128, (512, 512))
    faint = draw_label(image, LabelSettings(enabled=True, opacity=0.2))
    strong = draw_label(image, LabelSettings(enabled=True, opacity=1.0))
    faint_change = np.abs(faint.astype(int) - 128).sum()
    assert np.abs(strong.astype(int) - 128).sum() > 3 * faint_change > 0
