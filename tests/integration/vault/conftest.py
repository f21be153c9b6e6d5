"""Fixtures for the S3 blob store: moto's S3 server on loopback (real HTTP, driven through boto3), and an
empty bucket of each test's own on it."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Test credentials for the fake server: never real ones, and never read from the environment.
S3_LOGIN = {"access_key_id": "limner-test-key-id", "secret_access_key": "limner-test-secret-5c1e"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_config(s3_endpoint: str) -> dict[str, Any]:
    """The `[vault.blob_store]` table for a fresh, empty bucket."""
    bucket = f"limner-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    return {"kind": "s3", "bucket": bucket, "endpoint_url": s3_endpoint, "max_attempts": 1, **S3_LOGIN}


def s3_client(endpoint: str) -> S3Client:
    """A client of the test's own, to look into the bucket behind the store's back."""
    return boto3.session.Session(
        aws_access_key_id=S3_LOGIN["access_key_id"],
        aws_secret_access_key=S3_LOGIN["secret_access_key"],
        region_name="us-east-1",
    ).client("s3", endpoint_url=endpoint)


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago, and only this test wants it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
