"""Integration tests: an unexpected exception inside the pipeline (not a LimnerError) is recorded
on the generation and gives the quota reservation back, over the HTTP API."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import build_components
from limner.generation.backends.base import BackendResult
from limner.imaging.records import Generation, GenerationStatus
from limner.imaging.requests import ImageRequest
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller

GEN = "/v1/images/generations"


class CrashingBackend:
    """A backend with a bug: it raises what no upstream error mapping knows."""

    async def generate(self, request: ImageRequest) -> BackendResult:
        raise RuntimeError("a bug, not an upstream error")

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def test_a_plain_exception_fails_the_generation_and_releases_the_quota(tmp_path: Path) -> None:
    c = build_components(make_settings(tmp_path / "data", identity={"quotas": {"per_user": {"per_day": 1}}}))
    await create_schema(c.engine)
    name = c.settings.generation.models[0].backend
    real = c.backends[name]
    transport = httpx.ASGITransport(app=create_app(components=c), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        caller = await make_caller(c, roles=["creator"])
        c.backends[name] = CrashingBackend()
        crashed = await client.post(GEN, headers=caller.headers, json={"prompt": "a lighthouse"})
        c.backends[name] = real
        again = await client.post(GEN, headers=caller.headers, json={"prompt": "a lighthouse"})
    async with c.sessions() as session:
        rows = (await session.execute(select(Generation).order_by(Generation.created_at))).scalars().all()
        failed = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "image.failed"))
        ).scalar_one()
    await c.aclose()
    assert crashed.status_code == 500
    assert [(r.status, r.error_code) for r in rows] == [
        (GenerationStatus.FAILED, "server_error"),
        (GenerationStatus.COMPLETED, None),
    ]
    assert failed.subject_id == rows[0].id
    assert again.status_code == 200, again.text  # the day's one image was given back
