"""Unit tests: S3BlobConfig refuses what S3 would refuse later (or what would leak), and hides the login."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter, ValidationError

from limner.settings import Settings
from limner.vault.blob_stores import BlobStoreConfig
from limner.vault.blob_stores.s3 import S3BlobConfig

LOGIN = {"access_key_id": "AKIDEXAMPLE0CANARY", "secret_access_key": "wJalr-secret-canary-7f3a"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bucket": "ab"}, "bucket"),  # under 3 characters
        ({"bucket": "a" * 64}, "bucket"),  # over 63
        ({"bucket": "Limner"}, "bucket"),  # upper case
        ({"bucket": "limner_blobs"}, "bucket"),
        ({"bucket": "-limner"}, "bucket"),
        ({"bucket": "limner-"}, "bucket"),
        ({"bucket": "lim..ner"}, "bucket"),
        ({"bucket": "192.168.1.10"}, "bucket"),  # formatted as an IP address
        ({"bucket": "limner blobs"}, "bucket"),
        ({"bucket": "limner", "prefix": "/abs"}, "prefix"),
        ({"bucket": "limner", "prefix": "a//b"}, "prefix"),
        ({"bucket": "limner", "endpoint_url": "minio:9000"}, "endpoint_url"),
        ({"bucket": "limner", "endpoint_url": "ftp://minio:9000"}, "endpoint_url"),
        ({"bucket": "limner", "endpoint_url": "http://key:secret@minio:9000"}, "endpoint_url"),
        ({"bucket": "limner", "addressing_style": "sideways"}, "addressing_style"),
        ({"bucket": "limner", "region": "eu west 1"}, "region"),
        ({"bucket": "limner", "connect_timeout_s": 0}, "connect_timeout_s"),
        ({"bucket": "limner", "max_attempts": 0}, "max_attempts"),
        ({"bucket": "limner", "access_key_id": "AKIDONLY"}, None),  # half a login
        ({"bucket": "limner", "secret_access_key": "only"}, None),
    ],
)
def test_bad_settings_are_refused_naming_the_field(fields: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        S3BlobConfig.model_validate(fields)
    (error,) = caught.value.errors()
    assert error["loc"] == ((field,) if field else ())
    assert "secret" not in str(caught.value).replace("secret_access_key", "")


@pytest.mark.parametrize(
    "fields",
    [{"secret_access_key": LOGIN["secret_access_key"]}, {**LOGIN, "endpoint_url": "ftp://x"}],
    ids=["half-a-login", "bad-endpoint"],
)
def test_settings_errors_name_the_field_and_never_quote_the_login(
    tmp_path: Path, fields: dict[str, Any]
) -> None:
    blob_store = {"kind": "s3", "bucket": "limner", **fields}
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, secret_key="k" * 48, vault={"blob_store": blob_store})
    assert "vault.blob_store.s3" in str(caught.value)
    for secret in LOGIN.values():
        assert secret not in str(caught.value)


@pytest.mark.parametrize(
    ("prefix", "stored"),
    [("", ""), ("limner", "limner/"), ("a/b/", "a/b/"), ("tenant-1/blobs", "tenant-1/blobs/")],
)
def test_a_prefix_is_a_folder(prefix: str, stored: str) -> None:
    assert S3BlobConfig(bucket="limner", prefix=prefix).prefix == stored


@pytest.mark.parametrize("bucket", ["abc", "limner", "limner.blobs.example", "a" * 63, "1limner9"])
def test_valid_bucket_names_pass(bucket: str) -> None:
    assert S3BlobConfig(bucket=bucket).bucket == bucket


def test_the_login_is_secret_and_stays_out_of_repr_and_dumps() -> None:
    config = S3BlobConfig.model_validate({"bucket": "limner", **LOGIN})
    assert isinstance(config.access_key_id, SecretStr)
    assert isinstance(config.secret_access_key, SecretStr)
    assert config.secret_access_key.get_secret_value() == LOGIN["secret_access_key"]
    for shown in (repr(config), str(config), str(config.model_dump()), config.model_dump_json()):
        for secret in LOGIN.values():
            assert secret not in shown


def test_defaults_use_the_standard_credential_chain_and_bounded_retries() -> None:
    config = S3BlobConfig(bucket="limner")
    assert (config.access_key_id, config.secret_access_key, config.endpoint_url) == (None, None, None)
    assert (config.region, config.addressing_style, config.max_attempts) == ("us-east-1", "auto", 3)


def test_the_union_picks_s3_by_kind() -> None:
    config = TypeAdapter[BlobStoreConfig](BlobStoreConfig).validate_python({"kind": "s3", "bucket": "limner"})
    assert isinstance(config, S3BlobConfig)


def test_the_environment_form_configures_the_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {"KIND": "s3", "BUCKET": "limner-blobs", "PREFIX": "prod", "ENDPOINT_URL": "http://minio:9000"}
    env |= {"ADDRESSING_STYLE": "path", "ACCESS_KEY_ID": "AKIDENV", "SECRET_ACCESS_KEY": "env-secret-0a1b"}
    for name, value in env.items():
        monkeypatch.setenv(f"LIMNER_VAULT__BLOB_STORE__{name}", value)
    store = Settings(data_dir=tmp_path, secret_key="k" * 48).vault.blob_store
    assert isinstance(store, S3BlobConfig)
    assert (store.bucket, store.prefix, store.endpoint_url) == ("limner-blobs", "prod/", "http://minio:9000")
    assert store.secret_access_key is not None
    assert store.secret_access_key.get_secret_value() == "env-secret-0a1b"


def test_configuring_the_store_imports_no_boto3() -> None:
    probe = (
        "import sys\n"
        "from limner.components import build_components\n"
        "from limner.vault.blob_stores.s3 import S3BlobConfig\n"
        "S3BlobConfig(bucket='limner')\n"
        "print([name for name in ('boto3', 'botocore') if name in sys.modules])\n"
    )
    run = [sys.executable, "-c", probe]
    done = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"
