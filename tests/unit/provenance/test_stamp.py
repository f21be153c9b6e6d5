"""Unit tests for the provenance stage and its builder. End-to-end checks: test_verify.py and
tests/integration/provenance/test_cli_verify.py."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from limner.errors import ConfigError, UnsupportedImageError
from limner.provenance.base import NoProvenance
from limner.provenance.config import LabelSettings, ProvenanceSettings, SignerSettings
from limner.provenance.devca import create_dev_ca
from limner.provenance.reader import read_credentials
from limner.provenance.stamp import C2paProvenance, build_provenance
from limner.provenance.watermarks import NoWatermarkConfig, create_watermark_key

from .images import encode, info, photo, pixels, psnr


def test_disabled_settings_build_no_provenance(tmp_path: Path) -> None:
    assert isinstance(build_provenance(ProvenanceSettings(enabled=False), tmp_path), NoProvenance)


def test_enabled_settings_build_a_working_stage(data_dir: Path, settings: ProvenanceSettings) -> None:
    assert isinstance(build_provenance(settings, data_dir), C2paProvenance)


def test_missing_keys_fail_at_build_time(tmp_path: Path, settings: ProvenanceSettings) -> None:
    with pytest.raises(ConfigError):
        build_provenance(settings, tmp_path)


def test_self_inconsistent_signing_setup_fails_at_build_time(tmp_path: Path) -> None:
    create_dev_ca(tmp_path / "provenance", org="Acme", algorithm="ed25519")
    create_watermark_key(tmp_path / "provenance")
    settings = ProvenanceSettings(enabled=True, signer=SignerSettings(algorithm="es256"))
    with pytest.raises(ConfigError, match="C2PA signing failed"):
        build_provenance(settings, tmp_path)


@pytest.mark.parametrize(("fmt", "pil_format"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_stamp_reencodes_in_the_requested_format_and_signs(
    data_dir: Path, settings: ProvenanceSettings, fmt: str, pil_format: str
) -> None:
    original = photo("astronaut", (512, 512))
    stamped = build_provenance(settings, data_dir).stamp(encode(original, "PNG"), fmt=fmt, info=info())
    assert Image.open(io.BytesIO(stamped)).format == pil_format
    assert read_credentials(stamped, fmt).valid


def test_lossless_stamp_stays_invisible(data_dir: Path, settings: ProvenanceSettings) -> None:
    original = photo("astronaut", (512, 512))
    stamped = build_provenance(settings, data_dir).stamp(encode(original, "PNG"), fmt="png", info=info())
    assert psnr(original, pixels(stamped)) >= 38.0


def test_label_is_applied_when_enabled(data_dir: Path) -> None:
    plain = ProvenanceSettings(enabled=True, watermark=NoWatermarkConfig())
    labelled = plain.model_copy(update={"label": LabelSettings(enabled=True)})
    image = encode(photo("coffee", (512, 512)), "PNG")
    without = pixels(build_provenance(plain, data_dir).stamp(image, fmt="png", info=info()))
    with_label = pixels(build_provenance(labelled, data_dir).stamp(image, fmt="png", info=info()))
    differs = np.any(without != with_label, axis=2)
    assert differs[448:, 256:].any()
    assert not differs[:400].any()


def test_undecodable_upstream_image_is_refused(data_dir: Path, settings: ProvenanceSettings) -> None:
    with pytest.raises(UnsupportedImageError):
        build_provenance(settings, data_dir).stamp(b"\x89PNG\r\n\x1a\n broken", fmt="png", info=info())
