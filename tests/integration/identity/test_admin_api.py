"""Integration: the admin API for users, groups and keys; status changes act at once; group roles apply."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller
from tests.integration.identity.conftest import ORIGIN, identity_overrides, person, sign_in


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """These tests drive sensitive routes with API keys: allowed by identity.mfa.step_up_allows_api_keys
    (the step-up itself is tested in test_authz_matrix.py)."""
    mfa = {"rp_id": "testserver", "origin": ORIGIN, "step_up_allows_api_keys": True}
    return make_settings(data_dir, **identity_overrides(mfa=mfa))


ADMIN = "/v1/limner/admin"


async def test_create_list_and_update_users(client: httpx.AsyncClient, admin: Caller) -> None:
    created = await client.post(
        f"{ADMIN}/users", json={"email": "Dana@Example.com", "roles": ["creator"]}, headers=admin.headers
    )
    assert created.status_code == 201
    assert created.json()["email"] == "dana@example.com"
    user_id = created.json()["id"]
    listed = await client.get(f"{ADMIN}/users", headers=admin.headers)
    assert "dana@example.com" in [u["email"] for u in listed.json()["data"]]
    patched = await client.patch(
        f"{ADMIN}/users/{user_id}", json={"roles": ["viewer"], "display_name": "Dana"}, headers=admin.headers
    )
    assert patched.json()["roles"] == ["viewer"]
    assert patched.json()["display_name"] == "Dana"
    bad = await client.patch(f"{ADMIN}/users/{user_id}", json={"roles": ["wizard"]}, headers=admin.headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "role"
    dup = await client.post(
        f"{ADMIN}/users", json={"email": "dana@example.com", "roles": ["creator"]}, headers=admin.headers
    )
    assert dup.status_code == 409


async def test_suspending_disables_keys_and_sessions_at_once_and_activation_restores_keys(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    target = await make_caller(components, roles=["creator"])
    assert (await client.get("/v1/limner/auth/me", headers=target.headers)).status_code == 200
    suspended = await client.patch(
        f"{ADMIN}/users/{target.user_id}", json={"status": "suspended"}, headers=admin.headers
    )
    assert suspended.json()["status"] == "suspended"
    denied = await client.get("/v1/limner/auth/me", headers=target.headers)
    assert denied.status_code == 401
    assert denied.json()["error"]["code"] == "invalid_api_key"
    await client.patch(f"{ADMIN}/users/{target.user_id}", json={"status": "active"}, headers=admin.headers)
    assert (await client.get("/v1/limner/auth/me", headers=target.headers)).status_code == 200
    await client.patch(
        f"{ADMIN}/users/{target.user_id}", json={"status": "deprovisioned"}, headers=admin.headers
    )
    await client.patch(f"{ADMIN}/users/{target.user_id}", json={"status": "active"}, headers=admin.headers)
    assert (
        await client.get("/v1/limner/auth/me", headers=target.headers)
    ).status_code == 401  # revoked for good
    async with components.sessions() as session:
        actions = [e.action for e in (await session.execute(select(AuditEvent))).scalars()]
    assert actions.count("user.status") == 4


async def test_group_roles_add_to_member_permissions(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    member = await make_caller(components, roles=["viewer"])
    group = await client.post(
        f"{ADMIN}/groups", json={"name": "Design", "roles": ["creator"]}, headers=admin.headers
    )
    assert group.status_code == 201
    gid = group.json()["id"]
    before = (await client.get("/v1/limner/auth/me", headers=member.headers)).json()
    assert "images.generate" not in before["permissions"]
    put = await client.put(
        f"{ADMIN}/groups/{gid}/members", json={"user_ids": [member.user_id]}, headers=admin.headers
    )
    assert [u["id"] for u in put.json()["data"]] == [member.user_id]
    # The key was minted with the owner's own roles (viewer), so its scope still caps it ...
    scoped = (await client.get("/v1/limner/auth/me", headers=member.headers)).json()
    assert scoped["groups"] == ["Design"]
    assert "images.generate" not in scoped["permissions"]
    # ... while a key scoped to the group's role gets it, and a session gets all of the user's roles.
    key = await client.post(
        f"{ADMIN}/keys", json={"owner_id": member.user_id, "roles": ["creator"]}, headers=admin.headers
    )
    assert key.status_code == 201, key.text
    me = await client.get("/v1/limner/auth/me", headers={"Authorization": f"Bearer {key.json()['api_key']}"})
    assert "images.generate" in me.json()["permissions"]
    await client.delete(f"{ADMIN}/groups/{gid}", headers=admin.headers)
    gone = await client.get(
        "/v1/limner/auth/me", headers={"Authorization": f"Bearer {key.json()['api_key']}"}
    )
    assert "images.generate" not in gone.json()["permissions"]  # never more than the owner has now


async def test_group_names_are_unique_and_roles_checked(client: httpx.AsyncClient, admin: Caller) -> None:
    await client.post(f"{ADMIN}/groups", json={"name": "Ops"}, headers=admin.headers)
    assert (
        await client.post(f"{ADMIN}/groups", json={"name": "Ops"}, headers=admin.headers)
    ).status_code == 409
    bad = await client.post(f"{ADMIN}/groups", json={"name": "X", "roles": ["root"]}, headers=admin.headers)
    assert bad.status_code == 400


async def test_keys_rotate_and_revoke_immediately(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    owner = await make_caller(components, roles=["creator"])
    rotated = await client.post(f"{ADMIN}/keys/{owner.key_id}/rotate", headers=admin.headers)
    assert rotated.status_code == 201
    new_key = rotated.json()["api_key"]
    assert rotated.json()["roles"] == ["creator"]
    assert rotated.json()["id"] != owner.key_id
    old = await client.get("/v1/limner/auth/me", headers=owner.headers)
    assert old.status_code == 401
    assert old.json()["error"]["code"] == "invalid_api_key"
    new_headers = {"Authorization": f"Bearer {new_key}"}
    assert (await client.get("/v1/limner/auth/me", headers=new_headers)).status_code == 200
    revoked = await client.post(f"{ADMIN}/keys/{rotated.json()['id']}/revoke", headers=admin.headers)
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get("/v1/limner/auth/me", headers=new_headers)).status_code == 401
    listed = await client.get(f"{ADMIN}/keys", params={"owner_id": owner.user_id}, headers=admin.headers)
    assert len(listed.json()["data"]) == 2
    assert "api_key" not in listed.json()["data"][0]
    again = await client.post(f"{ADMIN}/keys/{owner.key_id}/rotate", headers=admin.headers)
    assert again.status_code == 409


async def test_expired_keys_are_refused(client: httpx.AsyncClient, components: Components) -> None:
    from datetime import timedelta

    from limner.db import utcnow
    from limner.identity.keys.models import ApiKey

    caller = await make_caller(components, roles=["creator"])
    async with components.sessions.begin() as session:
        row = await session.get(ApiKey, caller.key_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = await client.get("/v1/limner/auth/me", headers=caller.headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_missing_permission_is_a_403_naming_it(client: httpx.AsyncClient, creator: Caller) -> None:
    response = await client.get(f"{ADMIN}/users", headers=creator.headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "users.manage" in response.json()["error"]["message"]


async def test_admin_can_sign_a_user_out_everywhere(
    client: httpx.AsyncClient, components: Components, admin: Caller
) -> None:
    email = await person(components, ["creator"])
    await sign_in(client, email)
    me = (await client.get("/v1/limner/auth/me")).json()
    cookies = dict(client.cookies)
    client.cookies.clear()
    ended = await client.post(f"{ADMIN}/users/{me['id']}/sessions/revoke", headers=admin.headers)
    assert ended.json()["sessions_ended"] == 1
    for name, value in cookies.items():
        client.cookies.set(name, value)
    assert (await client.get("/v1/limner/auth/me")).status_code == 401
