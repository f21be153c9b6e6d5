"""Integration tests: cached API-key principals die on the next request on every app instance sharing
the database (two apps on one SQLite file stand in for two replicas or `serve --workers 2`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from limner.components import Components, build_components
from limner.main import create_app
from tests.conftest import create_schema, make_settings
from tests.factories import Caller, make_caller

Pair = tuple[Components, httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture
async def two_apps(tmp_path: Path) -> AsyncIterator[Pair]:
    # API keys pass the step-up here: these tests are about revocation reaching every instance.
    settings = make_settings(tmp_path / "data", identity={"mfa": {"step_up_allows_api_keys": True}})
    first, second = build_components(settings), build_components(settings)
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


async def models_status(client: httpx.AsyncClient, caller: Caller) -> int:
    return (await client.get("/v1/models", headers=caller.headers)).status_code


async def test_a_key_revoked_on_one_instance_fails_on_the_other_at_once(two_apps: Pair) -> None:
    c, first, second = two_apps
    admin, creator = await make_caller(c, roles=["admin"]), await make_caller(c, roles=["creator"])
    for _ in range(3):  # the principal is cached on both instances now
        assert await models_status(first, creator) == 200
        assert await models_status(second, creator) == 200
    revoked = await first.post(f"/v1/limner/admin/keys/{creator.key_id}/revoke", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    second_try = await second.get("/v1/models", headers=creator.headers)
    assert second_try.status_code == 401
    assert second_try.json()["error"]["code"] == "invalid_api_key"
    assert await models_status(first, creator) == 401


async def test_suspension_and_role_changes_reach_every_instance(two_apps: Pair) -> None:
    c, first, second = two_apps
    admin, creator = await make_caller(c, roles=["admin"]), await make_caller(c, roles=["creator"])
    generate = {"prompt": "a kite", "size": "256x256"}
    ok = await second.post("/v1/images/generations", headers=creator.headers, json=generate)
    assert ok.status_code == 200
    demoted = await first.patch(
        f"/v1/limner/admin/users/{creator.user_id}", headers=admin.headers, json={"roles": ["viewer"]}
    )
    assert demoted.status_code == 200, demoted.text
    denied = await second.post("/v1/images/generations", headers=creator.headers, json=generate)
    assert denied.status_code == 403
    suspended = await first.patch(
        f"/v1/limner/admin/users/{creator.user_id}", headers=admin.headers, json={"status": "suspended"}
    )
    assert suspended.status_code == 200, suspended.text
    assert await models_status(second, creator) == 401


async def test_a_wrong_secret_with_a_cached_key_id_is_refused(two_apps: Pair) -> None:
    c, first, _ = two_apps
    creator = await make_caller(c, roles=["creator"])
    assert await models_status(first, creator) == 200
    forged = Caller(creator.user_id, creator.email, creator.api_key[:-4] + "AAAA", creator.key_id)
    assert await models_status(first, forged) == 401
