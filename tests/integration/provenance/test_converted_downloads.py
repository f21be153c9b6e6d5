"""Integration tests (real C2PA signing and watermark keys in a data dir): a download converted to another
format keeps its provenance. The copy is stamped again, so it carries its own valid manifest naming our
image and the same invisible watermark, with the original's manifest as its parent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from limner.generation.flows.downloads import convert
from limner.provenance.config import ProvenanceSettings
from limner.provenance.devca import create_dev_ca
from limner.provenance.stamp import build_provenance
from limner.provenance.verify import build_verifier
from limner.provenance.watermarks import create_watermark_key
from tests.unit.provenance.images import encode, info, photo

IMAGE_ID = "5b0e2c7d9a1f4e3b8c6d0a2f4e6b8d1c"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    create_dev_ca(root / "provenance", org="Acme")
    create_watermark_key(root / "provenance")
    return root


@pytest.mark.parametrize(("fmt", "pil_name"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_a_converted_copy_keeps_the_credentials_and_the_watermark(
    data_dir: Path, fmt: str, pil_name: str
) -> None:
    settings = ProvenanceSettings(enabled=True)
    provenance = build_provenance(settings, data_dir)
    original = provenance.stamp(encode(photo("rocket", (512, 512)), "PNG"), fmt="png", info=info(IMAGE_ID))
    copy = convert(provenance, original, fmt, info(IMAGE_ID), max_pixels=settings.max_pixels)
    with Image.open(io.BytesIO(copy)) as image:
        assert (image.format, image.size) == (pil_name, (512, 512))
    report = build_verifier(settings, data_dir).verify(copy)
    assert report.c2pa.valid
    assert report.image_id == IMAGE_ID
    assert report.watermark.found
    assert report.watermark.image_id == IMAGE_ID[:12]
