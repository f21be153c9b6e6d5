"""Integration: API keys through the admin API and the auth headers: scopes never above the owner,
model allow-lists, expiry kept on rotation, revocation (idempotent), suspension and resumption.

Twin: tests/unit/identity/keys/test_key_format.py (the key format and its parsing)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.keys import service as key_service
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller
from tests.integration.identity.conftest import ORIGIN, identity_overrides

KEYS = "/v1/limner/admin/keys"
ME = "/v1/limner/auth/me"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """API keys pass the step-up here (the step-up itself is tested in test_authz_matrix.py)."""
    mfa = {"rp_id": "testserver", "origin": ORIGIN, "step_up_allows_api_keys": True}
    return make_settings(data_dir, **identity_overrides(mfa=mfa))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_cannot_hold_a_role_its_owner_lacks(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    refused = await client.post(
        KEYS, json={"owner_id": creator.user_id, "roles": ["admin"]}, headers=admin.headers
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "role"
    missing = await client.post(KEYS, json={"owner_id": "nobody"}, headers=admin.headers)
    assert missing.status_code == 404


async def test_a_narrow_key_grants_only_its_roles_and_models(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    owner = await make_caller(components, roles=["creator", "auditor"])
    body = {"owner_id": owner.user_id, "roles": ["creator"], "models": ["fake-model"], "name": "ci"}
    created = await client.post(KEYS, json=body, headers=admin.headers)
    assert created.status_code == 201
    narrow = bearer(created.json()["api_key"])
    me = (await client.get(ME, headers=narrow)).json()
    assert me["roles"] == ["creator"]
    assert "model:fake-model" in me["permissions"]
    assert "model:*" not in me["permissions"]
    assert (await client.get("/v1/limner/audit/events", headers=narrow)).status_code == 403


async def test_rotation_keeps_the_lifetime_and_the_scope(
    client: httpx.AsyncClient, admin: Caller, creator: Caller
) -> None:
    body = {"owner_id": creator.user_id, "expires_days": 30, "name": "batch"}
    first = (await client.post(KEYS, json=body, headers=admin.headers)).json()
    rotated = await client.post(f"{KEYS}/{first['id']}/rotate", headers=admin.headers)
    assert rotated.status_code == 201
    new = rotated.json()
    lifetime = datetime.fromisoformat(new["expires_at"]) - datetime.fromisoformat(new["created_at"])
    assert round(lifetime.total_seconds() / 86400) == 30  # a day is not lost to each rotation
    assert (new["name"], new["roles"]) == ("batch", ["creator"])
    assert (await client.get(ME, headers=bearer(first["api_key"]))).status_code == 401
    assert (await client.get(ME, headers=bearer(new["api_key"]))).status_code == 200


async def test_revoking_twice_is_harmless_and_audited_once(
    client: httpx.AsyncClient, components: Components, admin: Caller, creator: Caller
) -> None:
    for _ in range(2):
        revoked = await client.post(f"{KEYS}/{creator.key_id}/revoke", headers=admin.headers)
        assert revoked.status_code == 200
    assert (await client.get(ME, headers=creator.headers)).status_code == 401
    assert (await client.post(f"{KEYS}/missing/revoke", headers=admin.headers)).status_code == 404
    async with components.sessions() as session:
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "key.revoke")))
            .scalars()
            .all()
        )
    assert [e.subject_id for e in events] == [creator.key_id]


async def test_a_suspended_key_stops_at_once_and_works_again_when_resumed(
    client: httpx.AsyncClient, components: Components
) -> None:
    caller = await make_caller(components, roles=["creator"])
    assert (await client.get(ME, headers=caller.headers)).status_code == 200
    for suspended, status in ((True, 401), (True, 401), (False, 200)):
        async with components.sessions.begin() as session:
            await key_service.set_key_suspended(session, key_id=caller.key_id, suspended=suspended)
        assert (await client.get(ME, headers=caller.headers)).status_code == status
    async with components.sessions() as session:
        actions = [e.action for e in (await session.execute(select(AuditEvent))).scalars()]
    assert (actions.count("key.suspend"), actions.count("key.resume")) == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer lmn_short"},
        {"api-key": "lmn_" + "x" * 53},
    ],
    ids=["basic", "empty-bearer", "malformed", "unknown-azure-key"],
)
async def test_anything_but_a_valid_key_is_a_401(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    refused = await client.get(ME, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "invalid_request_error"


async def test_azure_clients_may_send_the_key_in_the_api_key_header(
    client: httpx.AsyncClient, creator: Caller
) -> None:
    me = await client.get(ME, headers={"api-key": creator.api_key})
    assert me.status_code == 200
    assert me.json()["via"] == "api_key"
