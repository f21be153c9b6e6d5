"""Integration tests: /readyz checks the blob store as it checks the database, over HTTP. A bucket on an
endpoint where nothing listens, a bucket that does not exist, and a blob directory that is not a directory
answer 503 with the reason and no secret; a reachable store answers ready."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from limner.components import build_components
from limner.main import create_app
from limner.settings import Settings
from tests.conftest import create_schema, make_settings
from tests.integration.vault.conftest import S3_LOGIN, closed_port

S3_DOWN = "The image store is not reachable; try again shortly."
DIRECTORY_BROKEN = "The image store's directory is missing or not writable."


async def readyz(settings: Settings) -> httpx.Response:
    components = build_components(settings)
    try:
        await create_schema(components.engine)
        app = create_app(components=components)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/readyz")
    finally:
        await components.aclose()


async def test_a_reachable_bucket_is_ready(data_dir: Path, s3_config: dict[str, Any]) -> None:
    ready = await readyz(make_settings(data_dir, vault={"blob_store": s3_config}))
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize("broken", ["endpoint-down", "no-such-bucket"])
async def test_an_unusable_bucket_is_503_with_the_reason_and_no_secret(
    tmp_path: Path, s3_config: dict[str, Any], broken: str
) -> None:
    config = (
        {**s3_config, "endpoint_url": f"http://127.0.0.1:{closed_port()}"}
        if broken == "endpoint-down"
        else {**s3_config, "bucket": "limner-no-such-bucket"}
    )
    ready = await readyz(make_settings(tmp_path / "data", vault={"blob_store": config}))
    assert ready.status_code == 503
    assert ready.json()["error"] == {
        "message": S3_DOWN,
        "type": "service_unavailable_error",
        "param": None,
        "code": "service_unavailable",
    }
    assert ready.headers["retry-after"] == "5"
    for secret in [*S3_LOGIN.values(), config["endpoint_url"], config["bucket"]]:
        assert secret not in ready.text


async def test_a_blob_directory_that_is_gone_or_not_a_directory_is_503(tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    settings = make_settings(
        tmp_path / "data", vault={"blob_store": {"kind": "filesystem", "path": str(blobs)}}
    )
    assert (await readyz(settings)).status_code == 200
    components = build_components(settings)
    try:
        await create_schema(components.engine)
        components.build_all()  # as the server does at start: the store makes its directory
        shutil.rmtree(blobs)  # which then goes away under it
        blobs.write_bytes(b"not a directory")
        app = create_app(components=components)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            ready = await client.get("/readyz")
    finally:
        await components.aclose()
    assert ready.status_code == 503
    assert ready.json()["error"]["message"] == DIRECTORY_BROKEN
    assert str(blobs) not in ready.text
