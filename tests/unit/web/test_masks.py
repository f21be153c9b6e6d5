"""Unit tests: the editor's mask helpers (rectangle fields, the canvas export, the combined mask)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from limner.errors import InvalidRequestError
from limner.imaging.requests import InputImage
from limner.web.masks import Rect, build_mask, decode_painted, parse_rect


def png(width: int, height: int, transparent: tuple[int, int, int, int] | None = None) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    if transparent is not None:
        image.paste((0, 0, 0, 0), transparent)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def alpha_at(mask: InputImage, xy: tuple[int, int]) -> int:
    with Image.open(io.BytesIO(mask.data)) as image:
        value = image.getchannel("A").getpixel(xy)
    assert isinstance(value, int)
    return value


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, None),
        ({"rect_x": "", "rect_y": " ", "rect_width": "", "rect_height": ""}, None),
        ({"rect_x": "1", "rect_y": "2", "rect_width": "3", "rect_height": "4"}, Rect(1, 2, 3, 4)),
        ({"rect_x": "0", "rect_y": "0", "rect_width": "10", "rect_height": "10"}, Rect(0, 0, 10, 10)),
    ],
)
def test_rectangle_fields_parse(fields: dict[str, str], expected: Rect | None) -> None:
    assert parse_rect(fields, 10, 10) == expected


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"rect_x": "1"}, "rect_y"),
        ({"rect_x": "-1", "rect_y": "0", "rect_width": "1", "rect_height": "1"}, "rect_x"),
        ({"rect_x": "0", "rect_y": "0", "rect_width": "0", "rect_height": "1"}, "rect_width"),
        ({"rect_x": "5", "rect_y": "0", "rect_width": "6", "rect_height": "1"}, "rect_x"),
        ({"rect_x": "0", "rect_y": "9", "rect_width": "1", "rect_height": "2"}, "rect_x"),
    ],
)
def test_bad_rectangles_name_the_field(fields: dict[str, str], param: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_rect(fields, 10, 10)
    assert caught.value.param == param


def test_canvas_export_decodes_from_a_data_url_or_bare_base64() -> None:
    data = base64.b64encode(png(4, 3, (0, 0, 1, 1))).decode()
    for value in (f"data:image/png;base64,{data}", data):
        painted = decode_painted(value)
        assert painted is not None
        assert (painted.width, painted.height) == (4, 3)
    assert decode_painted("  ") is None


def test_canvas_export_that_is_not_base64_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="could not be read"):
        decode_painted("data:image/png;base64,not base64!")


def test_painted_area_and_rectangle_both_become_transparent() -> None:
    painted = InputImage(png(10, 10, (0, 0, 2, 2)), 10, 10)
    mask = build_mask(painted, Rect(5, 5, 2, 2), 10, 10)
    assert (alpha_at(mask, (0, 0)), alpha_at(mask, (6, 6)), alpha_at(mask, (9, 0))) == (0, 0, 255)


def test_rectangle_alone_makes_a_mask_of_the_image_size() -> None:
    mask = build_mask(None, Rect(0, 0, 1, 1), 6, 4)
    assert (mask.width, mask.height) == (6, 4)
    assert (alpha_at(mask, (0, 0)), alpha_at(mask, (5, 3))) == (0, 255)


@pytest.mark.parametrize(
    ("painted", "message"),
    [
        (None, "Paint the area to change"),
        (InputImage(png(10, 10), 10, 10), "Paint the area to change"),
        (InputImage(png(8, 10, (0, 0, 1, 1)), 8, 10), "The mask is 8x10 pixels but the image is 10x10"),
    ],
)
def test_masks_marking_nothing_or_of_another_size_are_refused(
    painted: InputImage | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message) as caught:
        build_mask(painted, None, 10, 10)
    assert caught.value.param == "mask"
