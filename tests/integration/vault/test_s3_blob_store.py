"""Integration tests: what the S3 blob store adds to the BlobStore contract (test_blob_store_contract.py),
on moto's S3 server through boto3: paging past one listing page, prefixes, and failures that say
"unavailable" without naming the credentials, the endpoint or the bucket."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from limner.components import build_components
from limner.errors import NotFoundError, UnavailableError
from limner.logs import LoggingSettings, logging_config
from limner.vault.blob_stores.database import DatabaseBlobStore
from limner.vault.blob_stores.s3 import S3BlobConfig, S3BlobStore
from tests.conftest import make_settings
from tests.integration.vault.conftest import S3_LOGIN, closed_port, s3_client

A, B = "blob0000000a", "blob0000000b"


def _store(fields: dict[str, Any], **changes: Any) -> S3BlobStore:
    return S3BlobStore(S3BlobConfig.model_validate({**fields, **changes}))


@pytest.fixture
def library_debug_logs() -> Iterator[None]:
    """The library log levels `limner serve` sets, under a root logger at DEBUG."""
    loggers = logging_config(LoggingSettings(level="DEBUG"), "prod")["loggers"]
    before = {name: logging.getLogger(name).level for name in loggers}
    for name, spec in loggers.items():
        logging.getLogger(name).setLevel(spec["level"])
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


async def test_listing_follows_every_page(s3_config: dict[str, Any]) -> None:
    store = S3BlobStore(S3BlobConfig.model_validate(s3_config), page_size=2)
    keys = [f"blob{i:08d}" for i in range(5)]  # three pages of two
    for key in reversed(keys):
        await store.put(key, key.encode())
    assert await store.keys() == keys
    assert [entry.key for entry in await store.entries()] == keys


async def test_a_prefix_keeps_stores_in_one_bucket_apart(s3_config: dict[str, Any]) -> None:
    one, two = _store(s3_config, prefix="one"), _store(s3_config, prefix="two/")
    await one.put(A, b"1")
    await two.put(B, b"2")
    s3_client(s3_config["endpoint_url"]).put_object(Bucket=s3_config["bucket"], Key="stray", Body=b"")
    assert (await one.keys(), await two.keys()) == ([A], [B])
    with pytest.raises(NotFoundError):
        await one.get(B)
    listed = s3_client(s3_config["endpoint_url"]).list_objects_v2(Bucket=s3_config["bucket"])
    assert sorted(item["Key"] for item in listed["Contents"]) == [f"one/{A}", "stray", f"two/{B}"]


@pytest.mark.parametrize("fault", ["missing-bucket", "closed-port"])
async def test_a_store_it_cannot_use_is_unavailable_and_names_no_secret(
    s3_config: dict[str, Any], fault: str, caplog: pytest.LogCaptureFixture, library_debug_logs: None
) -> None:
    caplog.set_level(logging.DEBUG)
    if fault == "missing-bucket":
        store = _store(s3_config, bucket="limner-no-such-bucket")
    else:
        store = _store(s3_config, endpoint_url=f"http://127.0.0.1:{closed_port()}")
    for call in (store.put(A, b"x"), store.get(A), store.delete(A), store.keys(), store.entries()):
        with pytest.raises(UnavailableError) as caught:
            await call
        error = caught.value
        assert (error.status, error.code) == (503, "service_unavailable")
        assert error.__cause__ is None  # botocore's text (URLs, key ids) stays behind
        assert error.__suppress_context__
        assert error.message == "The image store is not reachable; try again shortly."
    reason = "NoSuchBucket" if fault == "missing-bucket" else "EndpointConnectionError"
    warnings = [r.getMessage() for r in caplog.records if r.name == "limner.vault.s3"]
    assert len(warnings) == 5
    assert all(reason in line for line in warnings)
    for secret in S3_LOGIN.values():
        assert secret not in caplog.text


@pytest.mark.parametrize(("configured", "chosen"), [(True, S3BlobStore), (False, DatabaseBlobStore)])
async def test_cluster_mode_uses_the_bucket_when_one_is_configured(
    tmp_path: Path, s3_config: dict[str, Any], configured: bool, chosen: type[object]
) -> None:
    vault = {"vault": {"blob_store": s3_config}} if configured else {}
    database = {"url": "postgresql+asyncpg://limner@db.invalid/limner"}  # never connected to here
    c = build_components(make_settings(tmp_path / "data", database=database, **vault))
    try:
        assert type(c.blob_store) is chosen
    finally:
        await c.aclose()
