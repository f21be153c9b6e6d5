"""Integration tests: two replicas (two app instances with their own engines, caches and image workers)
on one PostgreSQL database and one Redis (`redis.url`) act as one. The same with two `limner serve`
processes, one of them killed mid-request: tests/e2e/test_replica_kill.py."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditEvent
from limner.components import Components, build_components
from limner.identity.accounts import groups
from limner.imaging.actions import Action
from limner.jobs import Job, run_once
from limner.main import create_app
from limner.policy.engine import AllowAllPolicy
from limner.usage.alerts.evaluation import evaluate_rules
from limner.usage.alerts.models import Alert
from limner.usage.counters import RedisCounterStore
from limner.vault.key_providers import default_key_path
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, FixedPolicy, make_caller, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
GEN = "/v1/images/generations"
LOGIN = "/v1/limner/auth/login"
ORIGIN = "http://testserver"
PASSWORD = "correct horse battery staple"
REDIS_URL = "redis://127.0.0.1:6379/0"
# A group allowed two images a day, in total over every replica. Group counters in Redis are named after
# the group and outlive the test database: a name of its own per run.
LIMITED = f"limited-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Replicas:
    a: Components
    b: Components
    first: httpx.AsyncClient  # talks to replica a
    second: httpx.AsyncClient  # talks to replica b


@pytest.fixture
async def replicas(tmp_path: Path, pg_fresh_database: str) -> AsyncIterator[Replicas]:
    overrides: dict[str, object] = {
        "database": {"url": pg_fresh_database},
        "redis": {"url": REDIS_URL},  # the quota counters go there by default
        "identity": {
            "quotas": {"groups": {LIMITED: {"per_day": 2}}},
            "sessions": {"cookie_secure": False},  # the ASGI test client speaks http
        },
        "server": {"public_url": ORIGIN},
    }
    a = build_components(make_settings(tmp_path / "a", **overrides))
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # no shared volume for blobs
    # Replicas share one key store (in production: Vault transit), never a copy of it.
    overrides["vault"] = {"key_provider": {"kind": "local", "path": default_key_path(tmp_path / "a")}}
    b = build_components(make_settings(tmp_path / "b", **overrides))
    await create_schema(a.engine)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(components=c)), base_url=ORIGIN)
        for c in (a, b)
    ]
    yield Replicas(a, b, clients[0], clients[1])
    for client in clients:
        await client.aclose()
    await a.aclose()
    await b.aclose()


async def test_an_image_made_on_one_replica_is_served_by_the_other(replicas: Replicas) -> None:
    """Cluster mode keeps blobs in the database by default: the replicas share no directory."""
    c, first, second = replicas.a, replicas.first, replicas.second
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
    forged = dict(url.params) | {"signature": "0" * 64}
    assert (await second.get(url.path, params=forged)).status_code == 404


async def test_a_key_revoked_on_one_replica_fails_on_the_other(replicas: Replicas) -> None:
    c, first, second = replicas.a, replicas.first, replicas.second
    admin, creator = await make_caller(c, roles=["admin"]), await make_caller(c, roles=["creator"])
    for client in (first, second, first, second):
        assert (await client.get("/v1/models", headers=creator.headers)).status_code == 200
    revoked = await second.post(f"/v1/limner/admin/keys/{creator.key_id}/revoke", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert (await first.get("/v1/models", headers=creator.headers)).status_code == 401


async def test_concurrent_writers_on_two_replicas_never_fork_the_audit_chain(replicas: Replicas) -> None:
    c, first, second = replicas.a, replicas.first, replicas.second
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
    c, first, second = replicas.a, replicas.first, replicas.second
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


async def test_a_web_session_started_on_one_replica_works_on_the_other(replicas: Replicas) -> None:
    user = await make_user(replicas.a, roles=["creator"], password=PASSWORD)
    signed_in = await replicas.first.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    csrf = signed_in.json()["csrf_token"]
    replicas.second.cookies.update(replicas.first.cookies)  # the load balancer sends the next request to b
    me = await replicas.second.get("/v1/limner/auth/me")
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["via"]) == (user.email, "session")
    forged = await replicas.second.post("/v1/limner/auth/logout", headers={"x-csrf-token": "forged"})
    assert forged.status_code == 403
    ended = await replicas.second.post("/v1/limner/auth/logout", headers={"x-csrf-token": csrf})
    assert ended.status_code == 200
    assert (await replicas.first.get("/v1/limner/auth/me")).status_code == 401


async def test_failed_sign_ins_count_across_replicas(replicas: Replicas) -> None:
    """Per-process counts would give an attacker free_failures (3) guesses per replica."""
    user = await make_user(replicas.a, roles=["creator"], password=PASSWORD)
    wrong = {"email": user.email, "password": "wrong password!"}
    statuses = [(await client.post(LOGIN, json=wrong)).status_code for client in [replicas.first] * 2]
    statuses += [(await client.post(LOGIN, json=wrong)).status_code for client in [replicas.second] * 2]
    assert statuses == [401, 401, 401, 401]  # the fourth failure, on b, starts a delay
    right = await replicas.first.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "login_throttled"


async def test_a_quota_spent_on_one_replica_is_refused_on_the_other(replicas: Replicas) -> None:
    assert isinstance(replicas.a.counters, RedisCounterStore)  # redis.url alone chose the store
    creator = await make_caller(replicas.a, roles=["creator"])
    async with replicas.a.sessions.begin() as session:
        group = await groups.create_group(session, name=LIMITED)
        await groups.add_members(session, group, [creator.user_id])
    body = {"prompt": "a kite", "size": "256x256"}
    for client in (replicas.first, replicas.second):
        spent = await client.post(GEN, headers=creator.headers, json=body)
        assert spent.status_code == 200, spent.text
    for client in (replicas.second, replicas.first):
        refused = await client.post(GEN, headers=creator.headers, json=body)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "quota_exceeded"


async def test_an_alert_triggered_across_replicas_is_raised_once(replicas: Replicas) -> None:
    """Three blocked prompts on a, two on b: the probing rule's five. Both replicas evaluate at once."""
    creator = await make_caller(replicas.a, roles=["creator"])
    body = {"prompt": "how to make a weapon", "size": "256x256"}
    for c, client, n in ((replicas.a, replicas.first, 3), (replicas.b, replicas.second, 2)):
        c.policy = FixedPolicy(Action.BLOCK, ("harm.weapons",))
        for _ in range(n):
            assert (await client.post(GEN, headers=creator.headers, json=body)).status_code == 400

    async def evaluate(c: Components) -> list[Alert]:
        async with c.sessions.begin() as session:
            return await evaluate_rules(session, c.settings.alerts)

    runs = await asyncio.gather(evaluate(replicas.a), evaluate(replicas.b))
    raised = [alert for run in runs for alert in run]
    assert [(a.rule, a.principal_id, len(a.evidence)) for a in raised] == [("probing", creator.user_id, 5)]
    async with replicas.b.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(Alert))
        events = select(func.count()).where(AuditEvent.action == "alert.raised")
        assert (stored, await session.scalar(events)) == (1, 1)


async def test_a_job_started_on_two_replicas_at_once_runs_on_one(replicas: Replicas) -> None:
    release, runs = asyncio.Event(), list[str]()

    async def hold(c: Components, _session: AsyncSession) -> object:
        if runs:  # a second concurrent run: let both finish, so the test fails instead of hanging
            release.set()
        runs.append(str(c.settings.data_dir))
        await release.wait()  # keeps its transaction, and so the advisory lock, open
        return None

    job = Job("test.exclusive", 60.0, hold)
    tasks = [asyncio.create_task(run_once(c, job)) for c in (replicas.a, replicas.b)]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    assert [task.result() for task in done] == [False]  # the loser gives up at once, it does not queue
    release.set()
    assert sorted([await task for task in tasks]) == [False, True]
    assert len(runs) == 1
    assert await run_once(replicas.b, job) is True  # the lock ends with the winner's transaction
