"""Settings for provenance (C2PA signing, the invisible watermark, the optional visible label)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from limner.provenance.codec import DEFAULT_MAX_PIXELS
from limner.provenance.watermarks import DwtDctWatermarkConfig, WatermarkConfig

Corner = Literal["bottom_right", "bottom_left", "top_right", "top_left"]


class SignerSettings(BaseModel):
    cert_chain_path: Path = Field(
        default=Path("provenance/signer-chain.pem"),
        description="PEM chain: signing certificate first, then its CA; relative to the data dir",
    )
    key_path: Path = Field(
        default=Path("provenance/signer-key.pem"),
        description="PEM private key of the signing certificate (file mode 0600); relative to the data dir",
    )
    algorithm: Literal["es256", "ed25519"] = Field(
        default="es256", description="Signature algorithm; must match the key type"
    )
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 time-stamp authority; None keeps signing off the network",
    )
    trust_anchor_path: Path | None = Field(
        default=None,
        description="PEM root(s) the verifier trusts, e.g. the dev CA: its images then read 'Trusted'",
    )


class LabelSettings(BaseModel):
    enabled: bool = Field(default=False, description="Draw a visible label on every image")
    text: str = Field(default="AI-generated", min_length=1, max_length=40, description="Label text")
    position: Corner = Field(default="bottom_right", description="Corner the label sits in")
    opacity: float = Field(default=0.6, gt=0, le=1, description="Label opacity, 0 to 1")
    height_fraction: float = Field(
        default=0.03, gt=0, le=0.2, description="Text height as a fraction of the image height"
    )


class ProvenanceSettings(BaseModel):
    enabled: bool = Field(default=False, description="Sign and watermark every delivered image")
    signer: SignerSettings = Field(default_factory=SignerSettings)
    watermark: WatermarkConfig = Field(default_factory=DwtDctWatermarkConfig)
    label: LabelSettings = Field(default_factory=LabelSettings)
    max_pixels: int = Field(
        default=DEFAULT_MAX_PIXELS,
        ge=1,
        description="Images larger than this are refused (decompression bombs)",
    )
    max_bytes: int = Field(default=50 * 1024 * 1024, ge=1, description="Largest file verify accepts")
