"""The editor's mask: a painted PNG from the canvas and/or a rectangle typed as numbers, turned into
the mask OpenAI's edits API expects (same size as the image, alpha 0 = the area to change)."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from PIL import Image

from limner.errors import InvalidRequestError
from limner.imaging.decoding import load_upload
from limner.imaging.requests import InputImage

MAX_MASK_BYTES = 4 * 1024 * 1024
RECT_FIELDS = ("rect_x", "rect_y", "rect_width", "rect_height")
DATA_URL_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    width: int
    height: int


def parse_rect(values: dict[str, str], width: int, height: int) -> Rect | None:
    """All four fields empty: no rectangle. Otherwise whole numbers inside the image."""
    raw = [values.get(name, "").strip() for name in RECT_FIELDS]
    if not any(raw):
        return None
    for name, value in zip(RECT_FIELDS, raw, strict=True):
        if not value.isdigit():
            raise InvalidRequestError("Enter the rectangle as four whole numbers", param=name)
    rect = Rect(*(int(v) for v in raw))
    if rect.width < 1 or rect.height < 1:
        raise InvalidRequestError(
            "The rectangle needs a width and a height of at least 1", param="rect_width"
        )
    if rect.x + rect.width > width or rect.y + rect.height > height:
        raise InvalidRequestError(
            f"The rectangle must fit inside the image ({width}x{height} pixels)", param="rect_x"
        )
    return rect


def decode_painted(value: str) -> InputImage | None:
    """The canvas export (a PNG data URL or bare base64); empty means nothing was painted."""
    value = value.strip().removeprefix(DATA_URL_PREFIX)
    if not value:
        return None
    if len(value) > MAX_MASK_BYTES * 4 // 3 + 4:
        raise InvalidRequestError("The painted mask is too large", param="mask")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequestError("The painted mask could not be read; paint it again", param="mask") from exc
    return load_upload(data, field="mask", max_bytes=MAX_MASK_BYTES)


def build_mask(painted: InputImage | None, rect: Rect | None, width: int, height: int) -> InputImage:
    """Combine the painted area and the rectangle; refuse a mask of another size or with nothing marked."""
    if painted is not None and (painted.width, painted.height) != (width, height):
        raise InvalidRequestError(
            f"The mask is {painted.width}x{painted.height} pixels but the image is {width}x{height}; "
            "they must be the same size",
            param="mask",
        )
    with _start(painted, width, height) as mask:
        if rect is not None:
            alpha = mask.getchannel("A")
            alpha.paste(0, (rect.x, rect.y, rect.x + rect.width, rect.y + rect.height))
            mask.putalpha(alpha)
        if not _marks_anything(mask):
            raise InvalidRequestError("Paint the area to change, or enter a rectangle", param="mask")
        buffer = io.BytesIO()
        mask.save(buffer, "PNG")
    return InputImage(data=buffer.getvalue(), width=width, height=height)


def _start(painted: InputImage | None, width: int, height: int) -> Image.Image:
    if painted is None:
        return Image.new("RGBA", (width, height), (0, 0, 0, 255))
    return Image.open(io.BytesIO(painted.data)).convert("RGBA")


def _marks_anything(mask: Image.Image) -> bool:
    lowest = mask.getchannel("A").getextrema()[0]
    return isinstance(lowest, (int, float)) and lowest == 0
