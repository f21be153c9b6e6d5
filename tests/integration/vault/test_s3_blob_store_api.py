"""Integration tests: Limner with `[vault.blob_store] kind = "s3"` over the HTTP API, on moto's S3 server.
Images land sealed in the bucket, come back through a signed URL, go with their owner's erasure; a store
that cannot be reached refuses the request with a 503 and leaves no half-written generation."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from limner.components import Components, build_components
from limner.imaging.records import Generation, GenerationStatus, ImageRecord
from limner.main import create_app
from limner.settings import Settings
from limner.vault.blob_stores.s3 import S3BlobStore
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller
from tests.integration.privacy.helpers import forms
from tests.integration.vault.conftest import S3_LOGIN, closed_port, s3_client

GEN = "/v1/images/generations"
CANARY = "CANARY-s3-41be07"


@pytest.fixture
def settings(data_dir: Path, s3_config: dict[str, Any]) -> Settings:
    """Erasure over the API needs step-up; API keys may stand in for it here (tested in identity/)."""
    return make_settings(
        data_dir, vault={"blob_store": s3_config}, identity={"mfa": {"step_up_allows_api_keys": True}}
    )


def _objects(s3_config: dict[str, Any]) -> dict[str, bytes]:
    client, bucket = s3_client(s3_config["endpoint_url"]), s3_config["bucket"]
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


async def test_images_are_sealed_in_the_bucket_served_back_and_erased(
    client: httpx.AsyncClient,
    components: Components,
    admin: Caller,
    creator: Caller,
    s3_config: dict[str, Any],
) -> None:
    assert isinstance(components.blob_store, S3BlobStore)
    body = {"model": "dall-e-2", "prompt": f"a lighthouse, {CANARY}", "size": "256x256", "n": 2}
    resp = await client.post(GEN, headers=creator.headers, json={**body, "response_format": "url"})
    assert resp.status_code == 200, resp.text
    for item in resp.json()["data"]:
        image = await client.get(item["url"].split("8000", 1)[1])
        assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
        with Image.open(io.BytesIO(image.content)) as img:
            assert img.size == (256, 256)
    objects = _objects(s3_config)
    async with components.sessions() as session:
        ids = set((await session.scalars(select(ImageRecord.id))).all())
    assert len(ids) == 2
    assert set(objects) == ids
    for sealed in objects.values():
        assert b"\x89PNG" not in sealed
        assert not [form for form in forms(CANARY) if form in sealed]
    erased = await client.post(
        "/v1/limner/privacy/erasures", headers=admin.headers, json={"email": creator.email}
    )
    assert erased.status_code == 200, erased.text
    assert _objects(s3_config) == {}


@pytest.fixture
async def unreachable(tmp_path: Path, s3_config: dict[str, Any]) -> AsyncIterator[Components]:
    """Limner whose bucket is on an endpoint where nothing listens."""
    broken = {**s3_config, "endpoint_url": f"http://127.0.0.1:{closed_port()}"}
    c = build_components(make_settings(tmp_path / "data", vault={"blob_store": broken}))
    await create_schema(c.engine)
    yield c
    await c.aclose()


async def test_an_unreachable_store_refuses_with_503_and_no_half_written_generation(
    unreachable: Components,
) -> None:
    c = unreachable
    caller = await make_caller(c, roles=["creator"])
    transport = httpx.ASGITransport(app=create_app(components=c), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.post(
            GEN, headers=caller.headers, json={"model": "limner-local", "prompt": CANARY}
        )
    assert resp.status_code == 503, resp.text
    assert resp.json() == {
        "error": {
            "message": "The image store is not reachable; try again shortly.",
            "type": "service_unavailable_error",
            "param": None,
            "code": "service_unavailable",
        }
    }
    assert resp.headers["retry-after"] == "5"
    for secret in S3_LOGIN.values():
        assert secret not in resp.text
    async with c.sessions() as session:
        rows = (await session.execute(select(Generation.status, Generation.error_code))).all()
        images = await session.scalar(select(func.count()).select_from(ImageRecord))
    assert [tuple(row) for row in rows] == [(GenerationStatus.FAILED, "service_unavailable")]
    assert images == 0
