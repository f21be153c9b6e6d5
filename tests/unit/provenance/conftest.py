"""Fixtures for provenance unit tests: a dev CA, a watermark key, settings that point at them."""

from __future__ import annotations

from pathlib import Path

import pytest

from limner.provenance.config import ProvenanceSettings, SignerSettings
from limner.provenance.devca import SigningMaterial, create_dev_ca
from limner.provenance.watermarks import DwtDctWatermarkConfig, create_watermark_key


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with provenance/ filled the way `limner init` fills it."""
    root = tmp_path_factory.mktemp("data")
    create_dev_ca(root / "provenance", org="Acme")
    create_watermark_key(root / "provenance")
    return root


@pytest.fixture(scope="session")
def material(data_dir: Path) -> SigningMaterial:
    directory = data_dir / "provenance"
    return SigningMaterial(
        cert_chain_path=directory / "signer-chain.pem",
        key_path=directory / "signer-key.pem",
        ca_cert_path=directory / "ca-cert.pem",
    )


@pytest.fixture
def settings() -> ProvenanceSettings:
    """Enabled, with every path at its default (relative to `data_dir`)."""
    return ProvenanceSettings(enabled=True)


@pytest.fixture
def trusting_settings() -> ProvenanceSettings:
    """Like `settings`, but the verifier trusts the dev CA."""
    signer = SignerSettings(trust_anchor_path=Path("provenance/ca-cert.pem"))
    return ProvenanceSettings(enabled=True, signer=signer, watermark=DwtDctWatermarkConfig())
