"""Integration tests: the image stages in worker processes (server.image_workers > 0), over HTTP."""

from __future__ import annotations

import base64
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.components import Components, build_components
from limner.imaging.records import Generation
from limner.main import create_app
from limner.moderation.providers.fake import FakeModerator
from limner.provenance.devca import create_dev_ca
from limner.provenance.watermarks import create_watermark_key
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"


async def stack(tmp_path: Path, *, block_at: float | None = None) -> tuple[Components, httpx.AsyncClient]:
    data_dir = tmp_path / "data"
    create_dev_ca(data_dir / "provenance", org="Test CA")
    create_watermark_key(data_dir / "provenance")
    thresholds = {"sexual": {"review_at": None, "block_at": block_at}} if block_at is not None else {}
    settings = make_settings(
        data_dir,
        server={"image_workers": 2},
        provenance={"enabled": True, "signer": {"trust_anchor_path": "provenance/ca-cert.pem"}},
        moderation={
            "enabled": True,
            "providers": [{"kind": "open_nsfw"}, {"kind": "fake", "scores": {"violence": 0.01}}],
            "thresholds": thresholds,
        },
    )
    c = build_components(settings)
    await create_schema(c.engine)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(components=c)), base_url="http://t"
    )
    return c, client


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[tuple[Components, httpx.AsyncClient, Caller]]:
    c, client = await stack(tmp_path)
    async with client:
        yield c, client, await make_caller(c, roles=["admin"])
    await c.aclose()


def worker_pids(c: Components) -> list[int]:
    pool = c.image_work._pool
    assert pool is not None
    return [p.pid for p in pool._processes.values() if p.pid is not None]


async def test_images_are_moderated_and_stamped_in_worker_processes(
    workers: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    c, client, admin = workers
    resp = await client.post(
        GEN, headers=admin.headers, json={"prompt": "two kites", "n": 2, "size": "512x512"}
    )
    assert resp.status_code == 200, resp.text
    images = [base64.b64decode(item["b64_json"]) for item in resp.json()["data"]]
    pids = worker_pids(c)
    assert len(pids) == 2
    assert os.getpid() not in pids
    fake = next(m for m in c.moderators if isinstance(m, FakeModerator))
    assert len(fake.seen) == 2  # HTTP-style providers still run in the server, on the same images
    for image in images:
        report = await client.post(
            "/v1/limner/verify", headers=admin.headers, files={"file": ("x", image, "image/png")}
        )
        body = report.json()
        assert body["ours"] is True
        assert body["c2pa"]["state"] == "Trusted"
        assert body["model"] == "limner-local"


async def test_a_local_moderator_in_a_worker_blocks(tmp_path: Path) -> None:
    c, client = await stack(tmp_path, block_at=0.0)  # open_nsfw's score is always >= 0: every image blocks
    try:
        caller = await make_caller(c, roles=["creator"])
        async with client:
            resp = await client.post(
                GEN, headers=caller.headers, json={"prompt": "a beach", "size": "256x256"}
            )
        assert resp.status_code == 400
        assert resp.json()["error"]["code"] == "image_blocked"
        assert "moderation.sexual" in resp.json()["error"]["message"]
    finally:
        await c.aclose()


async def test_a_killed_worker_fails_one_request_cleanly_then_workers_restart(
    workers: tuple[Components, httpx.AsyncClient, Caller],
) -> None:
    c, client, admin = workers
    body = {"prompt": "a lighthouse", "size": "256x256"}
    assert (await client.post(GEN, headers=admin.headers, json=body)).status_code == 200
    for pid in worker_pids(c):
        os.kill(pid, signal.SIGKILL)
    failed = await client.post(GEN, headers=admin.headers, json=body)
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "service_unavailable"
    again = await client.post(GEN, headers=admin.headers, json=body)
    assert again.status_code == 200, again.text
    async with c.sessions() as session:
        statuses = sorted((await session.scalars(select(Generation.status))).all())
    assert statuses == ["completed", "completed", "failed"]  # the failure is recorded, nothing half-written
