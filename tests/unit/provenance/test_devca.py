"""Unit tests for the development CA: certificate shape, file modes, and c2pa's verdict on it."""

from __future__ import annotations

import io
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from limner.errors import ConfigError
from limner.provenance.config import SignerSettings
from limner.provenance.devca import Algorithm, create_dev_ca
from limner.provenance.reader import read_credentials
from limner.provenance.signer import C2paSigner

from .images import encode, info, photo


def _signer(chain: Path, key: Path, algorithm: Algorithm = "es256") -> C2paSigner:
    settings = SignerSettings(cert_chain_path=chain, key_path=key, algorithm=algorithm)
    return C2paSigner.from_settings(settings, Path("/"))


def test_leaf_is_signed_by_the_ca_with_the_usages_c2pa_requires(tmp_path: Path) -> None:
    material = create_dev_ca(tmp_path, org="Acme")
    leaf, ca = x509.load_pem_x509_certificates(material.cert_chain_path.read_bytes())
    leaf.verify_directly_issued_by(ca)
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Acme"
    assert material.ca_cert_path.read_bytes() == ca.public_bytes(serialization.Encoding.PEM)


def test_key_file_is_private_and_ca_key_is_not_kept(tmp_path: Path) -> None:
    material = create_dev_ca(tmp_path, org="Acme")
    assert material.key_path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca-cert.pem", "signer-chain.pem", "signer-key.pem"]


@pytest.mark.parametrize("algorithm", ["es256", "ed25519"])
def test_c2pa_accepts_the_dev_ca_and_reports_untrusted_but_valid(
    tmp_path: Path, algorithm: Algorithm
) -> None:
    material = create_dev_ca(tmp_path, org="Acme", algorithm=algorithm)
    signer = _signer(material.cert_chain_path, material.key_path, algorithm)
    signed = signer.sign(encode(photo("coffee", (256, 256)), "PNG"), fmt="png", info=info())
    untrusted = read_credentials(signed, "png")
    assert (untrusted.valid, untrusted.state, untrusted.signer) == (True, "Valid", "Acme Limner signer")
    anchored = read_credentials(signed, "png", trust_anchors=material.ca_cert_path.read_text())
    assert (anchored.valid, anchored.state) == (True, "Trusted")


def test_self_signed_leaf_is_rejected_by_c2pa(tmp_path: Path) -> None:
    material = create_dev_ca(tmp_path, org="Acme")
    key = serialization.load_pem_private_key(material.key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    leaf = x509.load_pem_x509_certificates(material.cert_chain_path.read_bytes())[0]
    self_signed = (
        x509.CertificateBuilder(
            extensions=[e for e in leaf.extensions if e.oid != ExtensionOID.AUTHORITY_KEY_IDENTIFIER]
        )
        .subject_name(leaf.subject)
        .issuer_name(leaf.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(leaf.not_valid_before_utc)
        .not_valid_after(leaf.not_valid_after_utc)
        .sign(key, hashes.SHA256())
    )
    chain = tmp_path / "self-signed.pem"
    chain.write_bytes(self_signed.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(ConfigError, match="C2PA signing failed"):
        _signer(chain, material.key_path).sign(
            encode(photo("coffee", (64, 64)), "PNG"), fmt="png", info=info()
        )


def test_reader_sees_no_manifest_in_a_plain_image() -> None:
    assert c2pa.Reader.try_create("image/png", io.BytesIO(encode(photo("coffee", (64, 64)), "PNG"))) is None
