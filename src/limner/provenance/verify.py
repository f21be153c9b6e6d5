"""Verify any image: is it ours, which image is it, and do its credentials and watermark hold?"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography import x509
from pydantic import BaseModel, Field

from limner.errors import ConfigError, UnsupportedImageError
from limner.provenance.codec import decode_image
from limner.provenance.config import ProvenanceSettings
from limner.provenance.reader import Credentials, read_credentials
from limner.provenance.watermarks import Watermark, build_watermark


class C2paReport(BaseModel):
    present: bool = Field(description="The file carries a C2PA manifest store")
    valid: bool = Field(description="Signature and content hashes check out (trust aside)")
    state: str | None = Field(description="c2pa validation state: Invalid, Valid or Trusted")
    signer: str | None = Field(description="Common name of the signing certificate")


class WatermarkReport(BaseModel):
    found: bool = Field(description="Limner's invisible watermark decoded with a valid checksum")
    image_id: str | None = Field(description="The 12-hex-digit image id prefix the mark carries")


class VerifyReport(BaseModel):
    ours: bool = Field(description="Signed by our certificate or carrying our watermark")
    image_id: str | None = Field(description="Full id from our manifest, else the watermark's prefix")
    created_at: datetime | None = None
    model: str | None = None
    policy_version: str | None = None
    creator: str | None = Field(default=None, description="Pseudonymous; the caller decides to show it")
    c2pa: C2paReport
    watermark: WatermarkReport


class Verifier:
    """Checks images against our signing certificate(s) and watermark key."""

    def __init__(
        self,
        *,
        watermark: Watermark,
        our_serials: frozenset[str],
        trust_anchors: str | None,
        max_pixels: int,
        max_bytes: int,
    ) -> None:
        self._watermark = watermark
        self._our_serials = our_serials
        self._trust_anchors = trust_anchors
        self._max_pixels = max_pixels
        self._max_bytes = max_bytes

    def verify(self, data: bytes) -> VerifyReport:
        """Report on `data`; UnsupportedImageError when it is not a decodable PNG/JPEG/WebP."""
        if len(data) > self._max_bytes:
            raise UnsupportedImageError(f"file is larger than {self._max_bytes} bytes")
        decoded = decode_image(data, max_pixels=self._max_pixels)
        credentials = read_credentials(data, decoded.fmt, trust_anchors=self._trust_anchors)
        mark = self._watermark.decode(decoded.rgb)
        signed_by_us = credentials.valid and credentials.cert_serial in self._our_serials
        return _report(credentials, mark, signed_by_us=signed_by_us)


def _report(credentials: Credentials, mark: str | None, *, signed_by_us: bool) -> VerifyReport:
    # Claims inside a manifest count only when our own certificate signed it intact.
    claims = credentials.generation if signed_by_us else {}
    return VerifyReport(
        ours=signed_by_us or mark is not None,
        image_id=claims.get("image_id") or mark,
        created_at=claims.get("created_at"),
        model=claims.get("model"),
        policy_version=claims.get("policy_version"),
        creator=claims.get("creator"),
        c2pa=C2paReport(
            present=credentials.present,
            valid=credentials.valid,
            state=credentials.state,
            signer=credentials.signer,
        ),
        watermark=WatermarkReport(found=mark is not None, image_id=mark),
    )


def build_verifier(settings: ProvenanceSettings, data_dir: Path) -> Verifier:
    """A Verifier for this deployment; works without signing files (then only the watermark
    proves an image ours), but needs the watermark key (ConfigError without it)."""
    return Verifier(
        watermark=build_watermark(settings.watermark, data_dir),
        our_serials=_certificate_serials(data_dir / settings.signer.cert_chain_path),
        trust_anchors=_read_optional(settings.signer.trust_anchor_path, data_dir),
        max_pixels=settings.max_pixels,
        max_bytes=settings.max_bytes,
    )


def verify_image(data: bytes, *, settings: ProvenanceSettings, data_dir: Path) -> VerifyReport:
    """One-shot verify; build a Verifier once when checking many images."""
    return build_verifier(settings, data_dir).verify(data)


def _certificate_serials(chain_path: Path) -> frozenset[str]:
    try:
        certificates = x509.load_pem_x509_certificates(chain_path.read_bytes())
    except OSError:
        return frozenset()
    except ValueError as exc:
        raise ConfigError(f"C2PA certificate chain {chain_path} is not PEM") from exc
    # The first certificate is the signing one; c2pa reports its serial in decimal.
    return frozenset({str(certificates[0].serial_number)})


def _read_optional(path: Path | None, data_dir: Path) -> str | None:
    if path is None:
        return None
    try:
        return (data_dir / path).read_text()
    except OSError as exc:
        raise ConfigError(f"trust anchor file {data_dir / path} is unreadable") from exc
