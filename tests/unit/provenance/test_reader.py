"""Unit tests: reading C2PA credentials offline — present or not, tampered stores read as present
but invalid, and a verifier refuses a deployment whose certificate chain or trust anchor is broken.

Integration twin: tests/integration/provenance/test_verify_api.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from limner.errors import ConfigError
from limner.provenance.base import NoProvenance
from limner.provenance.config import ProvenanceSettings, SignerSettings
from limner.provenance.reader import has_manifest, read_credentials
from limner.provenance.stamp import build_provenance
from limner.provenance.verify import build_verifier

from .images import encode, info, photo

IMAGE_ID = "5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d"


@pytest.fixture(scope="module")
def stamped(data_dir: Path) -> bytes:
    stage = build_provenance(ProvenanceSettings(enabled=True), data_dir)
    return stage.stamp(encode(photo("astronaut", (512, 512)), "PNG"), fmt="png", info=info(IMAGE_ID))


def tamper(data: bytes) -> bytes:
    """Flip bytes in the middle of the PNG's C2PA chunk (caBX): the store no longer parses or verifies."""
    at = data.index(b"caBX")
    middle = at + 400
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


def test_a_plain_image_has_no_manifest_and_no_credentials() -> None:
    plain = encode(photo("astronaut", (128, 128)), "PNG")
    assert has_manifest(plain, "png") is False
    credentials = read_credentials(plain, "png")
    assert (credentials.present, credentials.valid, credentials.generation) == (False, False, {})


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_has_manifest_tells_a_stamped_image_from_its_plain_source(data_dir: Path, fmt: str) -> None:
    plain = encode(photo("astronaut", (256, 256)), fmt.upper())
    signed = build_provenance(ProvenanceSettings(enabled=True), data_dir).stamp(plain, fmt=fmt, info=info())
    assert (has_manifest(plain, fmt), has_manifest(signed, fmt)) == (False, True)


def test_a_stamped_image_carries_a_valid_manifest_with_our_assertion(stamped: bytes) -> None:
    assert has_manifest(stamped, "png") is True
    credentials = read_credentials(stamped, "png")
    assert credentials.present
    assert credentials.valid
    assert credentials.generation["image_id"] == IMAGE_ID
    assert credentials.cert_serial


def test_a_tampered_manifest_reads_as_present_but_never_valid(stamped: bytes) -> None:
    credentials = read_credentials(tamper(stamped), "png")
    assert credentials.present is True
    assert credentials.valid is False
    assert credentials.state not in ("Valid", "Trusted")


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_bytes_that_are_no_image_have_no_manifest(fmt: str) -> None:
    assert has_manifest(b"\x00" * 64, fmt) is False


def test_the_no_provenance_stage_returns_the_image_unchanged() -> None:
    image = encode(photo("astronaut", (64, 64)), "PNG")
    assert NoProvenance().stamp(image, fmt="png", info=info()) is image


def test_a_verifier_refuses_a_certificate_chain_that_is_not_pem(data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "data"
    shutil.copytree(data_dir / "provenance", broken / "provenance")
    (broken / "provenance" / "signer-chain.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="is not PEM"):
        build_verifier(ProvenanceSettings(enabled=True), broken)


def test_a_verifier_refuses_a_trust_anchor_it_cannot_read(data_dir: Path) -> None:
    settings = ProvenanceSettings(
        enabled=True, signer=SignerSettings(trust_anchor_path=Path("provenance/missing-ca.pem"))
    )
    with pytest.raises(ConfigError, match=r"trust anchor file .* is unreadable"):
        build_verifier(settings, data_dir)


def test_without_signing_files_only_the_watermark_can_prove_an_image_ours(
    data_dir: Path, tmp_path: Path, stamped: bytes
) -> None:
    watermark_only = tmp_path / "data"
    (watermark_only / "provenance").mkdir(parents=True)
    shutil.copy(data_dir / "provenance" / "watermark.key", watermark_only / "provenance" / "watermark.key")
    report = build_verifier(ProvenanceSettings(enabled=True), watermark_only).verify(stamped)
    assert report.ours is True
    assert report.creator is None  # the manifest's claims count only when our certificate signed it
    assert report.watermark.found is True
