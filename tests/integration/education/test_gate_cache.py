"""Integration: the training gate's answer is cached per app instance, yet a change to anyone's
training, or a new policy version that asks again, is seen on the next request by every instance
sharing the database (two apps on one database stand in for two replicas or `serve --workers 2`).

The gate's behaviour itself: tests/integration/education/test_gate.py. The cache (unit):
tests/unit/education/test_gate_cache.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from limner.components import Components, build_components
from limner.main import create_app
from limner.settings import Settings
from tests.factories import Caller, make_caller

GEN = "/v1/images/generations"
ADMIN = "/v1/limner/admin"
BODY = {"model": "limner-local", "prompt": "a lighthouse at dusk", "size": "256x256"}

Pair = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture
async def two_apps(components: Components, settings: Settings) -> AsyncIterator[Pair]:
    second = build_components(settings)  # its own engine and caches, the same database
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(components=c)), base_url="http://t")
        for c in (components, second)
    ]
    yield clients[0], clients[1]
    for client in clients:
        await client.aclose()
    await second.aclose()


async def admin_and_creator(components: Components) -> tuple[Caller, Caller]:
    return await make_caller(components, roles=["admin"]), await make_caller(components, roles=["creator"])


async def generate(client: httpx.AsyncClient, caller: Caller) -> int:
    response = await client.post(GEN, headers=caller.headers, json=BODY)
    if response.status_code == 403:
        assert response.json()["error"]["code"] == "training_required"
    return response.status_code


async def record_everything(client: httpx.AsyncClient, admin: Caller, learner: Caller) -> None:
    body = {"email": learner.email, "all": True}
    response = await client.post(f"{ADMIN}/training/records", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text


async def publish(client: httpx.AsyncClient, admin: Caller, *, asks_again: bool) -> None:
    body = {"title": "Acceptable use", "body": "Version two.", "asks_again": asks_again}
    response = await client.post(f"{ADMIN}/training/policies", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text


async def test_a_completion_recorded_on_one_instance_opens_the_gate_on_the_other(
    components: Components, two_apps: Pair
) -> None:
    first, second = two_apps
    admin, creator = await admin_and_creator(components)
    for client in (first, second, first, second):  # refused, and the refusal cached on both
        assert await generate(client, creator) == 403
    await record_everything(first, admin, creator)
    assert await generate(second, creator) == 200
    assert await generate(first, creator) == 200


async def test_a_new_policy_version_that_asks_again_closes_the_gate_on_every_instance(
    components: Components, two_apps: Pair
) -> None:
    first, second = two_apps
    admin, creator = await admin_and_creator(components)
    await record_everything(first, admin, creator)
    for client in (first, second, first, second):  # passed, and the pass cached on both
        assert await generate(client, creator) == 200
    await publish(second, admin, asks_again=True)
    assert await generate(first, creator) == 403
    assert await generate(second, creator) == 403
    await record_everything(second, admin, creator)  # acknowledges the new version
    assert await generate(first, creator) == 200


async def test_a_correction_that_does_not_ask_again_keeps_the_gate_open(
    components: Components, two_apps: Pair
) -> None:
    first, second = two_apps
    admin, creator = await admin_and_creator(components)
    await record_everything(first, admin, creator)
    assert await generate(second, creator) == 200
    await publish(first, admin, asks_again=False)
    assert await generate(second, creator) == 200


async def test_a_module_made_retakable_closes_the_gate_on_the_next_request(
    components: Components, two_apps: Pair
) -> None:
    first, second = two_apps
    admin, creator = await admin_and_creator(components)
    await record_everything(first, admin, creator)
    assert await generate(second, creator) == 200
    module = (await first.get(f"{ADMIN}/training/modules", headers=admin.headers)).json()["data"][0]
    update = {k: module[k] for k in ("title", "summary", "body", "questions", "pass_mark", "is_required")}
    changed = await first.put(
        f"{ADMIN}/training/modules/{module['id']}", headers=admin.headers, json={**update, "retake": True}
    )
    assert changed.status_code == 200, changed.text
    assert await generate(second, creator) == 403
