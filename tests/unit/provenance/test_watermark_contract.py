"""Unit tests: the Watermark contract, run against every member of WatermarkConfig built through
`build_watermark` (dwt_dct with an inline key, and none).

The contract (provenance/watermarks.py): embed returns a copy of the same shape carrying a 12-hex-digit
mark and leaves its input alone (the caller may write into what it gets back); decode returns the exact
embedded mark or None, never a wrong mark."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from pydantic import TypeAdapter

from limner.provenance.watermarks import RgbArray, Watermark, WatermarkConfig, build_watermark

from .images import flat, halve, photo, reencode

CONFIGS = TypeAdapter[WatermarkConfig](WatermarkConfig)
# kind -> (config, whether decode finds what embed wrote)
MEMBERS: dict[str, tuple[dict[str, Any], bool]] = {
    "dwt_dct": ({"kind": "dwt_dct", "key": "ab" * 32}, True),
    "none": ({"kind": "none"}, False),
}
MARKS = ["0123456789ab", "000000000000", "ffffffffffff"]


@pytest.fixture(params=list(MEMBERS))
def member(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Watermark, bool]:
    raw, finds = MEMBERS[request.param]
    return build_watermark(CONFIGS.validate_python(raw), tmp_path), finds


@pytest.fixture(scope="module")
def image() -> RgbArray:
    return photo("chelsea", (512, 384))


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(WatermarkConfig)[0])
    assert sorted(m.model_fields["kind"].default for m in union) == sorted(MEMBERS)


@pytest.mark.parametrize("mark", MARKS)
def test_embed_keeps_shape_and_input_and_decode_returns_the_mark(
    member: tuple[Watermark, bool], image: RgbArray, mark: str
) -> None:
    watermark, finds = member
    before = image.copy()
    marked = watermark.embed(image, mark)
    assert marked.shape == image.shape
    assert marked.dtype == np.dtype(np.uint8)
    assert np.array_equal(image, before)
    assert watermark.decode(marked) == (mark if finds else None)


def test_embed_returns_a_copy_the_caller_may_write_into(
    member: tuple[Watermark, bool], image: RgbArray
) -> None:
    watermark, _ = member
    before = image.copy()
    marked = watermark.embed(image, "0123456789ab")
    assert not np.shares_memory(marked, image)
    marked[:] = 0
    assert np.array_equal(image, before)


@pytest.mark.parametrize(
    "unmarked",
    [lambda: photo("astronaut", (512, 512)), lambda: flat(128, (256, 256)), lambda: flat(0, (64, 64))],
    ids=["photo", "grey", "black-small"],
)
def test_an_unmarked_image_decodes_to_none(
    member: tuple[Watermark, bool], unmarked: Callable[[], RgbArray]
) -> None:
    assert member[0].decode(unmarked()) is None


def test_another_keys_mark_is_never_read_as_a_mark(tmp_path: Path, image: RgbArray) -> None:
    ours = build_watermark(CONFIGS.validate_python({"kind": "dwt_dct", "key": "ab" * 32}), tmp_path)
    theirs = build_watermark(CONFIGS.validate_python({"kind": "dwt_dct", "key": "cd" * 32}), tmp_path)
    assert ours.decode(theirs.embed(image, "0123456789ab")) is None


@pytest.mark.parametrize(
    "damage",
    [lambda rgb: reencode(rgb, "JPEG", quality=30), lambda rgb: halve(halve(rgb)), lambda rgb: rgb[::-1]],
    ids=["jpeg-30", "quarter-size", "flipped"],
)
def test_a_damaged_mark_decodes_to_the_mark_or_none_never_another(
    member: tuple[Watermark, bool], image: RgbArray, damage: Callable[[RgbArray], RgbArray]
) -> None:
    watermark, _ = member
    assert watermark.decode(np.ascontiguousarray(damage(watermark.embed(image, "0123456789ab")))) in (
        "0123456789ab",
        None,
    )
