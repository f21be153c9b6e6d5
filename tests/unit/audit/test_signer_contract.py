"""Unit tests: the CheckpointSigner contract, run against every signer `build_checkpoint_signer` picks for the
key provider kinds (a 0600 key file beside local and Vault keys; an in-memory key for the memory provider).

The contract (audit/signing.py): sign gives an Ed25519 signature that verifies under public_key, the raw
32-byte key outside verifiers use; the private key is never exposed."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from limner.audit.signing import (
    CheckpointSigner,
    build_checkpoint_signer,
    checkpoint_message,
    key_id,
    verify_signature,
)
from limner.vault.key_providers import KeyProviderConfig

CONFIGS = TypeAdapter[KeyProviderConfig](KeyProviderConfig)
PROVIDERS: dict[str, dict[str, Any]] = {
    "local": {"kind": "local"},
    "memory": {"kind": "memory"},
    "vault_transit": {"kind": "vault_transit", "url": "http://127.0.0.1:1", "token": "t"},
}
MESSAGE = checkpoint_message(1000, "a" * 64, "2026-01-01T00:00:00+00:00")


@pytest.fixture(params=list(PROVIDERS))
def signer(request: pytest.FixtureRequest, tmp_path: Path) -> CheckpointSigner:
    return build_checkpoint_signer(CONFIGS.validate_python(PROVIDERS[request.param]), data_dir=tmp_path)


def test_the_table_covers_every_key_provider_kind() -> None:
    assert {CONFIGS.validate_python(raw).kind for raw in PROVIDERS.values()} == set(PROVIDERS)


def test_a_signature_verifies_under_the_public_key(signer: CheckpointSigner) -> None:
    signature = base64.b64encode(signer.sign(MESSAGE)).decode()
    assert len(signer.public_key()) == 32
    assert len(key_id(signer.public_key())) == 16
    assert verify_signature(signer.public_key(), MESSAGE, signature)


@pytest.mark.parametrize(
    "other",
    [
        checkpoint_message(1001, "a" * 64, "2026-01-01T00:00:00+00:00"),
        checkpoint_message(1000, "b" * 64, "2026-01-01T00:00:00+00:00"),
        checkpoint_message(1000, "a" * 64, "2026-01-01T00:00:01+00:00"),
    ],
    ids=["seq", "head", "time"],
)
def test_a_signature_covers_seq_head_and_time(signer: CheckpointSigner, other: bytes) -> None:
    signature = base64.b64encode(signer.sign(MESSAGE)).decode()
    assert not verify_signature(signer.public_key(), other, signature)


def test_the_public_key_is_stable_and_signatures_are_deterministic(signer: CheckpointSigner) -> None:
    assert signer.public_key() == signer.public_key()
    assert signer.sign(MESSAGE) == signer.sign(MESSAGE)  # Ed25519 is deterministic


def test_no_public_attribute_holds_the_private_key(signer: CheckpointSigner) -> None:
    signer.sign(MESSAGE)
    assert [name for name in vars(signer) if not name.startswith("_")] in ([], ["data_dir"])


@pytest.mark.parametrize("kind", ["local", "vault_transit"])
def test_a_file_backed_key_stays_private_and_out_of_the_logs(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    signer = build_checkpoint_signer(CONFIGS.validate_python(PROVIDERS[kind]), data_dir=tmp_path)
    signer.sign(MESSAGE)
    [pem] = tmp_path.glob("keys/*.pem")
    assert pem.stat().st_mode & 0o777 == 0o600
    body = "".join(pem.read_text().splitlines()[1:-1])
    assert body
    assert body not in caplog.text
