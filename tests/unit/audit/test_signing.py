"""Unit tests for checkpoint signing keys (integration: tests/integration/audit/test_chain.py)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

from limner.audit.signing import (
    FakeCheckpointSigner,
    FileCheckpointSigner,
    build_checkpoint_signer,
    checkpoint_message,
    create_audit_signing_key,
    key_id,
    verify_signature,
)
from limner.vault.key_providers.local import LocalKeyConfig
from limner.vault.key_providers.memory import MemoryKeyConfig


def test_signature_verifies_and_a_changed_message_does_not() -> None:
    signer = FakeCheckpointSigner()
    message = checkpoint_message(1000, "a" * 64, "2026-01-01T00:00:00+00:00")
    signature = base64.b64encode(signer.sign(message)).decode()
    assert verify_signature(signer.public_key(), message, signature)
    assert not verify_signature(signer.public_key(), message.replace(b"1000", b"1001"), signature)
    assert not verify_signature(signer.public_key(), message, base64.b64encode(b"\0" * 64).decode())
    assert not verify_signature(FakeCheckpointSigner().public_key(), message, signature)


def test_key_file_is_private_and_created_once(tmp_path: Path) -> None:
    path = create_audit_signing_key(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    assert create_audit_signing_key(tmp_path) == path
    assert path.read_bytes() == before


def test_file_signer_creates_its_key_lazily_and_keeps_it(tmp_path: Path) -> None:
    first = FileCheckpointSigner(tmp_path)
    assert not (tmp_path / "keys").exists()
    public = first.public_key()
    assert FileCheckpointSigner(tmp_path).public_key() == public
    assert len(key_id(public)) == 16


def test_signer_follows_the_key_provider(tmp_path: Path) -> None:
    assert isinstance(build_checkpoint_signer(MemoryKeyConfig(), data_dir=tmp_path), FakeCheckpointSigner)
    assert isinstance(build_checkpoint_signer(LocalKeyConfig(), data_dir=tmp_path), FileCheckpointSigner)
