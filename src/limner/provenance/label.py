"""The optional visible "AI-generated" label, drawn in a corner over a translucent plate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from limner.provenance.config import LabelSettings

RgbArray = npt.NDArray[np.uint8]
MIN_TEXT_PX = 10


def draw_label(rgb: RgbArray, settings: LabelSettings) -> RgbArray:
    """Return a copy of `rgb` with the label blended in at `settings.opacity`."""
    base = Image.fromarray(rgb).convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    size = max(MIN_TEXT_PX, round(base.height * settings.height_fraction))
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = (int(v) for v in draw.textbbox((0, 0), settings.text, font=font))
    pad = max(2, size // 3)
    box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
    x, y = _corner(base.size, (box_w, box_h), settings.position, margin=pad)
    alpha = round(255 * settings.opacity)
    draw.rectangle((x, y, x + box_w, y + box_h), fill=(0, 0, 0, alpha * 2 // 3))
    draw.text((x + pad - left, y + pad - top), settings.text, font=font, fill=(255, 255, 255, alpha))
    blended = Image.alpha_composite(base, overlay).convert("RGB")
    return np.asarray(blended, dtype=np.uint8)


def _corner(image: tuple[int, int], box: tuple[int, int], position: str, *, margin: int) -> tuple[int, int]:
    right = position.endswith("right")
    bottom = position.startswith("bottom")
    x = image[0] - box[0] - margin if right else margin
    y = image[1] - box[1] - margin if bottom else margin
    return max(0, x), max(0, y)
