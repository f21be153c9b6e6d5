"""Integration tests: two replicas (two app instances with their own engines, caches and image workers)
on one PostgreSQL database and one Redis act as one."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from limner.components import Components, build_components
from limner.imaging.actions import Action
from limner.main import create_app
from limner.policy.engine import AllowAllPolicy
from limner.vault.key_providers import default_key_path
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, FixedPolicy, make_caller

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
GEN = "/v1/images/generations"
Replicas = tuple[Components, httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture
async def replicas(tmp_path: Path, pg_fresh_database: str) -> AsyncIterator[Replicas]:
    overrides = {
        "database": {"url": pg_fresh_database},
        "identity": {
            "quotas": {"store": {"kind": "redis", "prefix": f"{{limner-test-{uuid.uuid4().hex}}}:"}}
        },
    }
    first = build_components(make_settings(tmp_path / "a", **overrides))
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # no shared volume for blobs
    # Replicas share one key store (in production: Vault transit), never a copy of it.
    overrides["vault"] = {"key_provider": {"kind": "local", "path": default_key_path(tmp_path / "a")}}
    second = build_components(make_settings(tmp_path / "b", **overrides))
    await create_schema(first.engine)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(components=c)), base_url="http://t")
        for c in (first, second)
    ]
    yield first, clients[0], clients[1]
    for client in clients:
        await client.aclose()
    await first.aclose()
    await second.aclose()


async def test_an_image_made_on_one_replica_is_served_by_the_other(replicas: Replicas) -> None:
    """Cluster mode keeps blobs in the database by default: the replicas share no directory."""
    c, first, second = replicas
    creator = await make_caller(c, roles=["creator"])
    made = await first.post(
        GEN, headers=creator.headers, json={"prompt": "a kite", "size": "256x256", "response_format": "url"}
    )
    assert made.status_code == 200, made.text
    url = httpx.URL(made.json()["data"][0]["url"])
    served = await second.get(url.path, params=dict(url.params))
    assert served.status_code == 200
    assert served.content.startswith(b"\x89PNG")
    assert not list((Path(c.settings.data_dir) / "blobs").glob("*/*"))


async def test_a_key_revoked_on_one_replica_fails_on_the_other(replicas: Replicas) -> None:
    c, first, second = replicas
    admin, creator = await make_caller(c, roles=["admin"]), await make_caller(c, roles=["creator"])
    for client in (first, second, first, second):
        assert (await client.get("/v1/models", headers=creator.headers)).status_code == 200
    revoked = await second.post(f"/v1/limner/admin/keys/{creator.key_id}/revoke", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert (await first.get("/v1/models", headers=creator.headers)).status_code == 401


async def test_concurrent_writers_on_two_replicas_never_fork_the_audit_chain(replicas: Replicas) -> None:
    c, first, second = replicas
    callers: list[Caller] = [await make_caller(c, roles=["creator"]) for _ in range(3)]
    body = {"prompt": "a lighthouse", "size": "256x256"}
    sent = [
        client.post(GEN, headers=caller.headers, json=body)
        for caller in callers
        for client in (first, second)
        for _ in range(2)
    ]
    statuses = [r.status_code for r in await asyncio.gather(*sent)]
    assert statuses == [200] * len(sent)
    auditor = await make_caller(c, roles=["auditor"])
    for client in (first, second):
        report = await client.get("/v1/limner/audit/verify", headers=auditor.headers)
        assert report.status_code == 200, report.text
        assert report.json()["ok"] is True
    events = await first.get("/v1/limner/audit/events", headers=auditor.headers, params={"limit": 500})
    generated = [e for e in events.json()["data"] if e["action"] == "image.generated"]
    assert len(generated) == len(sent)


async def test_a_request_held_on_one_replica_is_reviewed_on_the_other(replicas: Replicas) -> None:
    c, first, second = replicas
    creator, reviewer = await make_caller(c, roles=["creator"]), await make_caller(c, roles=["reviewer"])
    c.policy = FixedPolicy(Action.REVIEW, ("ip.character",))  # the first replica holds the prompt
    held = await first.post(
        GEN, headers=creator.headers, json={"prompt": "a mouse mascot", "size": "256x256"}
    )
    c.policy = AllowAllPolicy()
    assert held.status_code == 403
    review_id = held.headers["x-limner-review-id"]
    queue = await second.get("/v1/limner/reviews", headers=reviewer.headers)
    assert [item["id"] for item in queue.json()["data"]] == [review_id]
    decided = await second.post(
        f"/v1/limner/reviews/{review_id}/decision",
        headers=reviewer.headers,
        json={"verdict": "approve", "reason": "checked against policy"},
    )
    assert decided.json()["status"] == "approved"
    done = (await first.get(f"/v1/limner/reviews/{review_id}", headers=creator.headers)).json()
    assert done["generation_status"] == "completed"
    assert done["data"][0]["b64_json"]
