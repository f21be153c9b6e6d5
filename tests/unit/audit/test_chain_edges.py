"""Unit tests: chain arithmetic edge cases and checkpoint signing branches, as tables."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey

from limner.audit.chain import (
    GENESIS,
    SEPARATOR,
    at_text,
    canonical_json,
    check_field,
    event_hash,
    event_line,
)
from limner.audit.signing import (
    SIGNING_KEY_FILE,
    FakeCheckpointSigner,
    FileCheckpointSigner,
    checkpoint_message,
    create_audit_signing_key,
    verify_signature,
)
from limner.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "2026-01-02 03:04:05.000006"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2026-01-02 01:04:05.000000"),
        (datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))), "2026-01-01 00:30:00.000000"),
    ],
    ids=["utc-micro", "east-of-utc", "west-crosses-year"],
)
def test_at_text_is_utc_with_microseconds_spaced_like_sqlite(value: datetime, expected: str) -> None:
    assert at_text(value) == expected


@pytest.mark.parametrize("value", [None, "", "image.generated", "p_0123abcd", "a b\tc"])
def test_fields_without_separators_are_accepted(value: str | None) -> None:
    check_field(value)  # raises on refusal
    assert event_line([value]) == ("" if value is None else value)


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ([], ""),
        ([1], "1"),
        ([1, "a", None, "b"], f"1{SEPARATOR}a{SEPARATOR}{SEPARATOR}b"),
        ([0, None], f"0{SEPARATOR}"),
    ],
)
def test_event_line_joins_with_the_unit_separator(fields: list[str | int | None], line: str) -> None:
    assert event_line(fields) == line


def test_event_hash_is_sha256_hex_of_predecessor_and_line() -> None:
    digest = event_hash(GENESIS, [1, "e1"])
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert event_hash(digest, [2, "e2"]) != event_hash(GENESIS, [2, "e2"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "{}"),
        ({"n": None, "b": True}, '{"b":true,"n":null}'),
        ({"s": "a\x1fb"}, '{"s":"a\\u001fb"}'),
        ({"nested": {"z": 1, "a": [2, 1]}}, '{"nested":{"a":[2,1],"z":1}}'),
    ],
    ids=["empty", "literals", "separator-escaped", "nested-sorted"],
)
def test_canonical_json_spells_each_value_once(value: dict[str, object], expected: str) -> None:
    assert canonical_json(value) == expected
    assert SEPARATOR not in canonical_json(value)


@pytest.mark.parametrize("value", [object(), {1, 2}, 1 + 2j])
def test_canonical_json_refuses_values_it_cannot_spell(value: object) -> None:
    with pytest.raises(TypeError, match="cannot encode"):
        canonical_json({"v": value})


def test_key_created_by_a_concurrent_process_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys" / SIGNING_KEY_FILE
    real_open = os.open

    def racing_open(target: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        Path(target).write_bytes(b"theirs")  # the other process wins the race
        return real_open(target, flags, mode)

    monkeypatch.setattr("limner.audit.signing.os.open", racing_open)
    assert create_audit_signing_key(tmp_path) == path
    assert path.read_bytes() == b"theirs"


def test_a_non_ed25519_key_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "keys" / SIGNING_KEY_FILE
    path.parent.mkdir()
    path.write_bytes(
        Ed448PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ConfigError, match="not an Ed25519 key"):
        FileCheckpointSigner(tmp_path).public_key()


def test_file_signer_signs_with_its_stored_key_loaded_once(tmp_path: Path) -> None:
    signer = FileCheckpointSigner(tmp_path)
    message = checkpoint_message(7, "b" * 64, "2026-01-01T00:00:00+00:00")
    signature = base64.b64encode(signer.sign(message)).decode()
    (tmp_path / "keys" / SIGNING_KEY_FILE).unlink()  # loaded already: the signer keeps using it
    assert verify_signature(signer.public_key(), message, signature)
    assert not (tmp_path / "keys" / SIGNING_KEY_FILE).exists()


@pytest.mark.parametrize(
    "signature",
    ["not base64!!", "", base64.b64encode(b"short").decode()],
    ids=["not-base64", "empty", "wrong-length"],
)
def test_malformed_signatures_do_not_verify(signature: str) -> None:
    signer = FakeCheckpointSigner()
    assert not verify_signature(signer.public_key(), b"m", signature)


def test_malformed_public_key_does_not_verify() -> None:
    signer = FakeCheckpointSigner()
    signature = base64.b64encode(signer.sign(b"m")).decode()
    assert not verify_signature(b"\0" * 5, b"m", signature)


def test_checkpoint_message_commits_to_seq_head_and_time() -> None:
    base = checkpoint_message(1, "a" * 64, "t")
    assert base == b"limner-audit-checkpoint\n1\n" + b"a" * 64 + b"\nt"
    assert len({base, checkpoint_message(2, "a" * 64, "t"), checkpoint_message(1, "b" * 64, "t")}) == 3
    assert checkpoint_message(1, "a" * 64, "u") != base
