"""Unit tests for the watermark family: keys, build_watermark, NoWatermark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr, TypeAdapter, ValidationError

from limner.errors import ConfigError
from limner.provenance.watermarks import (
    DwtDctWatermarkConfig,
    NoWatermark,
    NoWatermarkConfig,
    WatermarkConfig,
    build_watermark,
    create_watermark_key,
)
from limner.provenance.watermarks.dwt_dct import DwtDctWatermark

from .images import flat


def test_create_key_writes_a_private_file_once(tmp_path: Path) -> None:
    path = create_watermark_key(tmp_path / "provenance")
    first = path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(first.strip())) == 32
    # Rotating the key would orphan every mark already delivered, so an existing key is kept.
    assert create_watermark_key(tmp_path / "provenance").read_text() == first


def test_builds_from_the_key_file(tmp_path: Path) -> None:
    create_watermark_key(tmp_path / "provenance")
    assert isinstance(build_watermark(DwtDctWatermarkConfig(), tmp_path), DwtDctWatermark)


def test_inline_key_wins_over_the_file(tmp_path: Path) -> None:
    config = DwtDctWatermarkConfig(key=SecretStr("ab" * 32), key_path=Path("missing.key"))
    assert isinstance(build_watermark(config, tmp_path), DwtDctWatermark)


@pytest.mark.parametrize(
    ("key", "message"),
    [(None, "unreadable"), ("not hex", "not hex"), ("abcd", "shorter")],
)
def test_bad_or_missing_key_is_a_config_error(tmp_path: Path, key: str | None, message: str) -> None:
    config = DwtDctWatermarkConfig(key=SecretStr(key) if key else None)
    with pytest.raises(ConfigError, match=message):
        build_watermark(config, tmp_path)


def test_none_kind_embeds_and_finds_nothing(tmp_path: Path) -> None:
    watermark = build_watermark(NoWatermarkConfig(), tmp_path)
    assert isinstance(watermark, NoWatermark)
    image = flat(10, (64, 64))
    marked = watermark.embed(image, "0123456789ab")
    assert np.array_equal(marked, image)
    assert marked is not image
    assert watermark.decode(image) is None


def test_unknown_kind_is_refused_when_settings_load() -> None:
    adapter: TypeAdapter[WatermarkConfig] = TypeAdapter(WatermarkConfig)
    assert isinstance(adapter.validate_python({"kind": "none"}), NoWatermarkConfig)
    with pytest.raises(ValidationError, match="dwt_dct"):
        adapter.validate_python({"kind": "stegano"})
