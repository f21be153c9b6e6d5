"""Unit tests: the Provenance contract, run against every stage `build_provenance` builds: off (NoProvenance),
and C2PA with each watermark kind, with and without the visible label.

The contract (provenance/base.py): stamp returns the image in the requested format, the same size, whatever
format it came in; a stage that signs leaves valid credentials naming no prompt and no email; the stage off
returns the bytes as given when they are in the requested format already; a signing setup that cannot sign
fails when the stage is built."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from limner.errors import ConfigError, UnsupportedImageError
from limner.provenance.base import Provenance
from limner.provenance.config import ProvenanceSettings
from limner.provenance.reader import has_manifest, read_credentials
from limner.provenance.stamp import build_provenance

from .images import encode, info, photo

# stage -> settings; every stage but "off" signs
STAGES: dict[str, dict[str, Any]] = {
    "off": {"enabled": False},
    "c2pa-dwt_dct": {"enabled": True},
    "c2pa-no-watermark": {"enabled": True, "watermark": {"kind": "none"}},
    "c2pa-labelled": {"enabled": True, "label": {"enabled": True}},
}
FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


@pytest.fixture(scope="module")
def original() -> bytes:
    return encode(photo("rocket", (320, 256)), "PNG")


@pytest.fixture(params=list(STAGES))
def stage(request: pytest.FixtureRequest, data_dir: Path) -> tuple[str, Provenance]:
    settings = ProvenanceSettings.model_validate(STAGES[request.param])
    return request.param, build_provenance(settings, data_dir)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_stamp_returns_the_requested_format_at_the_same_size(
    stage: tuple[str, Provenance], original: bytes, fmt: str
) -> None:
    name, provenance = stage
    source = original if fmt == "png" else encode(photo("rocket", (320, 256)), FORMATS[fmt])
    stamped = provenance.stamp(source, fmt=fmt, info=info())
    with Image.open(io.BytesIO(stamped)) as image:
        assert (image.format, image.size) == (FORMATS[fmt], (320, 256))
    if name == "off":
        assert stamped == source
        assert not has_manifest(stamped, fmt)
    else:
        assert read_credentials(stamped, fmt).valid


@pytest.mark.parametrize(
    ("source_fmt", "fmt"), [("png", "jpeg"), ("png", "webp"), ("jpeg", "png"), ("webp", "png")]
)
def test_stamp_re_encodes_another_format_into_the_requested_one(
    stage: tuple[str, Provenance], source_fmt: str, fmt: str
) -> None:
    name, provenance = stage
    source = encode(photo("rocket", (320, 256)), FORMATS[source_fmt])
    stamped = provenance.stamp(source, fmt=fmt, info=info())
    with Image.open(io.BytesIO(stamped)) as image:
        assert (image.format, image.size) == (FORMATS[fmt], (320, 256))
    assert has_manifest(stamped, fmt) is (name != "off")


def test_stamp_refuses_what_is_not_an_image(stage: tuple[str, Provenance]) -> None:
    with pytest.raises(UnsupportedImageError):
        stage[1].stamp(b"not an image", fmt="png", info=info())


@pytest.mark.parametrize("stage", [s for s in STAGES if s != "off"], indirect=True)
def test_credentials_carry_the_image_facts_and_no_prompt(
    stage: tuple[str, Provenance], original: bytes
) -> None:
    facts = info()
    generation = read_credentials(stage[1].stamp(original, fmt="png", info=facts), "png").generation
    assert facts.image_id in str(generation)
    assert "prompt" not in str(generation).lower()
    assert "@" not in str(generation)


@pytest.mark.parametrize("algorithm", ["es256", "ed25519"])
def test_a_signing_setup_that_cannot_sign_fails_when_built(tmp_path: Path, algorithm: str) -> None:
    settings = ProvenanceSettings.model_validate({"enabled": True, "signer": {"algorithm": algorithm}})
    with pytest.raises(ConfigError):
        build_provenance(settings, tmp_path)  # no dev CA, no key files
