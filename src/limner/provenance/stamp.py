"""The provenance stage: watermark, optional label, encode, sign; and its builder."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from limner.provenance.base import NoProvenance, Provenance, ProvenanceInfo
from limner.provenance.codec import Decoded, decode_image, encode_image, normalize_format
from limner.provenance.config import LabelSettings, ProvenanceSettings
from limner.provenance.label import draw_label
from limner.provenance.payload import mark_id
from limner.provenance.reader import has_manifest
from limner.provenance.signer import C2paSigner
from limner.provenance.watermarks import Watermark, build_watermark

PROBE_INFO_ID = "0" * 32


class C2paProvenance:
    """Stamps every delivered image: invisible watermark, optional visible label, C2PA manifest."""

    def __init__(
        self, *, signer: C2paSigner, watermark: Watermark, label: LabelSettings, max_pixels: int
    ) -> None:
        self._signer = signer
        self._watermark = watermark
        self._label = label
        self._max_pixels = max_pixels

    def stamp(self, image: bytes, *, fmt: str, info: ProvenanceInfo) -> bytes:
        """Decode, watermark, label, encode in `fmt`, sign. An upstream manifest becomes the parent.

        Raises UnsupportedImageError for undecodable input, ConfigError if signing fails."""
        return self.stamp_decoded(image, self.decode(image), fmt=fmt, info=info)

    def decode(self, image: bytes) -> Decoded:
        """The pixels `stamp_decoded` needs, decoded once under this stage's limits."""
        return decode_image(image, max_pixels=self._max_pixels)

    def stamp_decoded(self, image: bytes, decoded: Decoded, *, fmt: str, info: ProvenanceInfo) -> bytes:
        """`stamp` for an image whose pixels the caller already decoded with `decode`."""
        out_fmt = normalize_format(fmt)
        parent = (image, decoded.fmt) if has_manifest(image, decoded.fmt) else None
        rgb = self._watermark.embed(decoded.rgb, mark_id(info.image_id))
        if self._label.enabled:
            rgb = draw_label(rgb, self._label)
        encoded = encode_image(rgb, decoded.alpha, out_fmt)
        return self._signer.sign(encoded, fmt=out_fmt, info=info, parent=parent)


def build_provenance(settings: ProvenanceSettings, data_dir: Path) -> Provenance:
    """NoProvenance when disabled; otherwise a C2paProvenance whose keys and certificate were
    proven to work by signing a probe image, so a bad setup fails at start-up (ConfigError)."""
    if not settings.enabled:
        return NoProvenance(max_pixels=settings.max_pixels)
    provenance = C2paProvenance(
        signer=C2paSigner.from_settings(settings.signer, data_dir),
        watermark=build_watermark(settings.watermark, data_dir),
        label=settings.label,
        max_pixels=settings.max_pixels,
    )
    provenance.stamp(_probe_png(), fmt="png", info=_probe_info())
    return provenance


def _probe_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def _probe_info() -> ProvenanceInfo:
    return ProvenanceInfo(PROBE_INFO_ID, "probe", "probe", datetime.now(UTC), "probe")
