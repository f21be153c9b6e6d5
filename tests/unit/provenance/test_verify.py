"""Unit tests for verify_image: ours or not, on originals, stripped copies, re-encodes, forgeries.
The CLI over it is tested in tests/integration/provenance/test_cli_verify.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from limner.errors import ConfigError, UnsupportedImageError
from limner.provenance.config import ProvenanceSettings, SignerSettings
from limner.provenance.devca import create_dev_ca
from limner.provenance.signer import C2paSigner
from limner.provenance.stamp import build_provenance
from limner.provenance.verify import build_verifier, verify_image
from limner.provenance.watermarks import DwtDctWatermarkConfig

from .images import encode, halve, info, photo, pixels

IMAGE_ID = "3f2a9c1e7b5d4e6f8a0b1c2d3e4f5a6b"


@pytest.fixture(scope="module")
def stamped(data_dir: Path) -> bytes:
    stage = build_provenance(ProvenanceSettings(enabled=True), data_dir)
    return stage.stamp(encode(photo("astronaut", (1024, 1024)), "PNG"), fmt="png", info=info(IMAGE_ID))


def test_original_is_ours_with_its_credentials(
    stamped: bytes, data_dir: Path, settings: ProvenanceSettings
) -> None:
    report = verify_image(stamped, settings=settings, data_dir=data_dir)
    assert report.ours
    assert report.image_id == IMAGE_ID
    assert report.created_at == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert (report.model, report.policy_version, report.creator) == ("dall-e-3", "2026-11", "u-7f3e")
    assert report.c2pa.model_dump() == {
        "present": True,
        "valid": True,
        "state": "Valid",
        "signer": "Acme Limner signer",
    }
    assert report.watermark.model_dump() == {"found": True, "image_id": IMAGE_ID[:12]}


def test_dev_ca_as_trust_anchor_makes_the_state_trusted(
    stamped: bytes, data_dir: Path, trusting_settings: ProvenanceSettings
) -> None:
    report = verify_image(stamped, settings=trusting_settings, data_dir=data_dir)
    assert (report.c2pa.valid, report.c2pa.state) == (True, "Trusted")


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("JPEG", {"quality": 75}), ("WEBP", {"quality": 80})],
    ids=["png", "jpeg75", "webp"],
)
def test_stripped_or_reencoded_copy_is_ours_by_watermark(
    stamped: bytes, data_dir: Path, settings: ProvenanceSettings, fmt: str, options: dict[str, int]
) -> None:
    report = verify_image(encode(pixels(stamped), fmt, **options), settings=settings, data_dir=data_dir)
    assert report.ours
    assert report.c2pa.present is False
    assert report.watermark.image_id == IMAGE_ID[:12]
    assert report.image_id == IMAGE_ID[:12]
    assert (report.model, report.created_at, report.creator) == (None, None, None)


def test_half_size_jpeg_copy_is_ours(stamped: bytes, data_dir: Path, settings: ProvenanceSettings) -> None:
    copy = encode(halve(pixels(stamped)), "JPEG", quality=75)
    assert verify_image(copy, settings=settings, data_dir=data_dir).image_id == IMAGE_ID[:12]


def test_foreign_image_is_not_ours(data_dir: Path, settings: ProvenanceSettings) -> None:
    report = verify_image(encode(photo("coffee", (1024, 1024)), "JPEG"), settings=settings, data_dir=data_dir)
    assert not report.ours
    assert report.image_id is None
    assert not report.c2pa.present
    assert not report.watermark.found


def test_manifest_signed_by_someone_else_is_not_ours_and_its_claims_are_ignored(
    tmp_path: Path, data_dir: Path, settings: ProvenanceSettings
) -> None:
    other = create_dev_ca(tmp_path, org="Mallory")
    forger = C2paSigner.from_settings(
        SignerSettings(cert_chain_path=other.cert_chain_path, key_path=other.key_path), Path("/")
    )
    forged = forger.sign(encode(photo("coffee", (512, 512)), "PNG"), fmt="png", info=info(IMAGE_ID))
    report = verify_image(forged, settings=settings, data_dir=data_dir)
    assert report.c2pa.valid
    assert not report.ours
    assert (report.image_id, report.model, report.creator) == (None, None, None)


def test_tampered_pixels_break_the_manifest_but_not_the_watermark(
    stamped: bytes, data_dir: Path, settings: ProvenanceSettings
) -> None:
    edited = pixels(stamped).copy()
    edited[500:520, 500:520] = 0
    report = verify_image(_swap_idat(stamped, encode(edited, "PNG")), settings=settings, data_dir=data_dir)
    assert report.c2pa.present
    assert (report.c2pa.valid, report.c2pa.state) == (False, "Invalid")
    assert report.ours
    assert report.image_id == IMAGE_ID[:12]
    assert report.model is None


def _swap_idat(signed: bytes, other: bytes) -> bytes:
    """`signed`'s chunks (its C2PA manifest included) around `other`'s pixel data."""
    kept, pixel_data = _chunks(signed), b"".join(raw for kind, raw in _chunks(other) if kind == b"IDAT")
    first = next(i for i, (kind, _) in enumerate(kept) if kind == b"IDAT")
    head = b"".join(raw for _, raw in kept[:first])
    tail = b"".join(raw for kind, raw in kept[first:] if kind != b"IDAT")
    return signed[:8] + head + pixel_data + tail


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(png):
        length = int.from_bytes(png[offset : offset + 4], "big")
        chunks.append((png[offset + 4 : offset + 8], png[offset : offset + 12 + length]))
        offset += 12 + length
    return chunks


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a....", b"\xff\xd8\xff\xe0 truncated jpeg"], ids=["empty", "gif", "truncated"]
)
def test_bad_input_is_an_unsupported_image(data: bytes, data_dir: Path, settings: ProvenanceSettings) -> None:
    with pytest.raises(UnsupportedImageError):
        verify_image(data, settings=settings, data_dir=data_dir)


def test_files_over_the_byte_limit_are_refused(stamped: bytes, data_dir: Path) -> None:
    small = ProvenanceSettings(max_bytes=1000)
    with pytest.raises(UnsupportedImageError, match="larger than 1000 bytes"):
        verify_image(stamped, settings=small, data_dir=data_dir)


def test_verifier_without_signing_files_relies_on_the_watermark(stamped: bytes, tmp_path: Path) -> None:
    (tmp_path / "other.key").write_text("cd" * 32)
    settings = ProvenanceSettings(watermark=DwtDctWatermarkConfig(key_path=Path("other.key")))
    report = build_verifier(settings, tmp_path).verify(stamped)
    assert report.c2pa.valid
    assert not report.ours  # no certificate of ours to match, and another watermark key


def test_verifier_needs_a_watermark_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="watermark key"):
        build_verifier(ProvenanceSettings(), tmp_path)
