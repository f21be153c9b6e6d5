"""A development certificate authority and signing certificate that C2PA validators accept."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Algorithm = Literal["es256", "ed25519"]
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
CA_DAYS = 3650
LEAF_DAYS = 825


@dataclass(frozen=True, slots=True)
class SigningMaterial:
    """Where create_dev_ca wrote its files."""

    cert_chain_path: Path  # signing certificate, then the CA certificate
    key_path: Path  # the signing certificate's private key, mode 0600
    ca_cert_path: Path  # the CA certificate alone: a trust anchor for verifiers


def create_dev_ca(directory: Path, *, org: str, algorithm: Algorithm = "es256") -> SigningMaterial:
    """Write a CA and a leaf signed by it; C2PA refuses self-signed signing certificates.

    The CA's private key is never written: a new dev CA is cheaper than guarding an old one."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, leaf_key = _new_key(algorithm), _new_key(algorithm)
    ca_cert = _ca_certificate(ca_key, org)
    leaf_cert = _leaf_certificate(leaf_key, ca_key, ca_cert, org)
    material = SigningMaterial(
        cert_chain_path=directory / "signer-chain.pem",
        key_path=directory / "signer-key.pem",
        ca_cert_path=directory / "ca-cert.pem",
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    material.ca_cert_path.write_bytes(ca_pem)
    material.cert_chain_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
    _write_private(material.key_path, leaf_key)
    return material


def _new_key(algorithm: Algorithm) -> PrivateKey:
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _digest(key: PrivateKey) -> hashes.SHA256 | None:
    # Ed25519 signs the message itself; x509 requires no digest for it.
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(org: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(subject: x509.Name, issuer: x509.Name, key: PrivateKey, days: int) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _ca_certificate(ca_key: PrivateKey, org: str) -> x509.Certificate:
    name = _name(org, f"{org} Limner development CA")
    return (
        _builder(name, name, ca_key, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .sign(ca_key, _digest(ca_key))
    )


def _leaf_certificate(
    leaf_key: PrivateKey, ca_key: PrivateKey, ca_cert: x509.Certificate, org: str
) -> x509.Certificate:
    issuer_key = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return (
        _builder(_name(org, f"{org} Limner signer"), ca_cert.subject, leaf_key, LEAF_DAYS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(issuer_key, critical=False)
        .sign(ca_key, _digest(ca_key))
    )


def _write_private(path: Path, key: PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
