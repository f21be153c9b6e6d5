"""Integration: the admin API's lock-out guards and group rules: no self-suspension, never zero active
admins (directly or through a group), group names, members and roles, and reset links.

Twin: tests/unit/identity/accounts/test_lockout_rules.py (the guards' pure rules)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from limner.components import Components
from limner.identity.accounts import service
from limner.identity.keys import service as key_service
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller
from tests.integration.identity.conftest import ORIGIN, identity_overrides

ADMIN = "/v1/limner/admin"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """API keys pass the step-up here (the step-up itself is tested in test_authz_matrix.py); a
    `usermgr` role manages users without being an admin, so admins can exist only through a group."""
    mfa = {"rp_id": "testserver", "origin": ORIGIN, "step_up_allows_api_keys": True}
    custom = {"usermgr": ["users.manage", "keys.manage"]}
    return make_settings(data_dir, **identity_overrides(mfa=mfa, custom_roles=custom))


@pytest.fixture
async def manager(components: Components) -> Caller:
    custom = components.settings.identity.custom_roles
    async with components.sessions.begin() as session:
        owner = await service.create_user(
            session, email="mgr@example.com", roles=["usermgr"], custom_roles=custom
        )
        row, key = await key_service.create_api_key(session, owner=owner, secret_key=components.secret_key)
    return Caller(user_id=owner.id, email=owner.email, api_key=key, key_id=row.id)


async def new_user(client: httpx.AsyncClient, caller: Caller, email: str, roles: list[str]) -> str:
    created = await client.post(
        f"{ADMIN}/users", json={"email": email, "roles": roles}, headers=caller.headers
    )
    assert created.status_code == 201, created.text
    user_id: str = created.json()["id"]
    return user_id


@pytest.mark.parametrize("status", ["suspended", "deprovisioned"])
async def test_an_admin_cannot_suspend_their_own_account(
    client: httpx.AsyncClient, admin: Caller, status: str
) -> None:
    refused = await client.patch(
        f"{ADMIN}/users/{admin.user_id}", json={"status": status}, headers=admin.headers
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "self_lockout"
    assert (await client.get(f"{ADMIN}/users/{admin.user_id}", headers=admin.headers)).json()[
        "status"
    ] == "active"


async def test_the_last_admin_cannot_drop_the_admin_role(client: httpx.AsyncClient, admin: Caller) -> None:
    refused = await client.patch(
        f"{ADMIN}/users/{admin.user_id}", json={"roles": ["viewer"]}, headers=admin.headers
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "last_admin"
    other = await new_user(client, admin, "second@example.com", ["admin"])
    assert other
    allowed = await client.patch(
        f"{ADMIN}/users/{admin.user_id}", json={"roles": ["viewer"]}, headers=admin.headers
    )
    assert allowed.status_code == 200
    assert (await client.get(f"{ADMIN}/users", headers=admin.headers)).status_code == 403  # took effect


async def test_an_admin_group_cannot_lose_its_last_admin_in_any_way(
    client: httpx.AsyncClient, manager: Caller
) -> None:
    member = await new_user(client, manager, "ops@example.com", ["creator"])
    group = await client.post(
        f"{ADMIN}/groups", json={"name": "Ops", "roles": ["admin"]}, headers=manager.headers
    )
    group_id = group.json()["id"]
    put = await client.put(
        f"{ADMIN}/groups/{group_id}/members", json={"user_ids": [member]}, headers=manager.headers
    )
    assert [u["id"] for u in put.json()["data"]] == [member]
    attempts = [
        client.put(f"{ADMIN}/groups/{group_id}/members", json={"user_ids": []}, headers=manager.headers),
        client.patch(f"{ADMIN}/groups/{group_id}", json={"roles": ["viewer"]}, headers=manager.headers),
        client.delete(f"{ADMIN}/groups/{group_id}", headers=manager.headers),
        client.patch(f"{ADMIN}/users/{member}", json={"status": "suspended"}, headers=manager.headers),
    ]
    for attempt in attempts:
        refused = await attempt
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "last_admin"
    members = await client.get(f"{ADMIN}/groups/{group_id}/members", headers=manager.headers)
    assert [u["email"] for u in members.json()["data"]] == ["ops@example.com"]  # rolled back
    await new_user(client, manager, "direct@example.com", ["admin"])
    assert (await client.delete(f"{ADMIN}/groups/{group_id}", headers=manager.headers)).status_code == 204


async def test_groups_rename_only_to_free_names_and_change_roles_with_an_audit(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    design = (await client.post(f"{ADMIN}/groups", json={"name": "Design"}, headers=admin.headers)).json()
    await client.post(f"{ADMIN}/groups", json={"name": "Print"}, headers=admin.headers)
    clash = await client.patch(
        f"{ADMIN}/groups/{design['id']}", json={"name": " Print "}, headers=admin.headers
    )
    assert clash.status_code == 409
    renamed = await client.patch(
        f"{ADMIN}/groups/{design['id']}", json={"name": "Studio", "roles": ["creator"]}, headers=admin.headers
    )
    assert renamed.json() == {"id": design["id"], "name": "Studio", "roles": ["creator"]}
    unchanged = await client.patch(
        f"{ADMIN}/groups/{design['id']}", json={"name": "Studio"}, headers=admin.headers
    )
    assert unchanged.status_code == 200
    wizard = await client.patch(
        f"{ADMIN}/groups/{design['id']}", json={"roles": ["wizard"]}, headers=admin.headers
    )
    assert wizard.status_code == 400
    assert wizard.json()["error"]["param"] == "roles"


@pytest.mark.parametrize("name", ["", "   "])
async def test_a_group_needs_a_name(client: httpx.AsyncClient, admin: Caller, name: str) -> None:
    refused = await client.post(f"{ADMIN}/groups", json={"name": name}, headers=admin.headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "name"


async def test_members_must_exist_and_unknown_groups_are_404(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    group = (await client.post(f"{ADMIN}/groups", json={"name": "Design"}, headers=admin.headers)).json()
    bad = await client.put(
        f"{ADMIN}/groups/{group['id']}/members", json={"user_ids": ["nobody"]}, headers=admin.headers
    )
    assert bad.status_code == 400
    assert "nobody" in bad.json()["error"]["message"]
    assert (await client.get(f"{ADMIN}/groups/missing/members", headers=admin.headers)).status_code == 404
    assert (await client.patch(f"{ADMIN}/groups/missing", json={}, headers=admin.headers)).status_code == 404


async def test_a_user_can_be_created_straight_into_groups_that_exist(
    client: httpx.AsyncClient, admin: Caller
) -> None:
    group = (await client.post(f"{ADMIN}/groups", json={"name": "Design"}, headers=admin.headers)).json()
    body = {"email": "ivy@example.com", "roles": ["creator"], "groups": ["Design"]}
    assert (await client.post(f"{ADMIN}/users", json=body, headers=admin.headers)).status_code == 201
    members = await client.get(f"{ADMIN}/groups/{group['id']}/members", headers=admin.headers)
    assert [u["email"] for u in members.json()["data"]] == ["ivy@example.com"]
    body = {"email": "jo@example.com", "roles": ["creator"], "groups": ["Nope"]}
    assert (await client.post(f"{ADMIN}/users", json=body, headers=admin.headers)).status_code == 404
    users = await client.get(f"{ADMIN}/users", headers=admin.headers)
    assert "jo@example.com" not in [u["email"] for u in users.json()["data"]]  # one transaction


@pytest.mark.parametrize("email", ["not-an-email", "service:robot@example.com"])
async def test_people_need_a_real_email_address(client: httpx.AsyncClient, admin: Caller, email: str) -> None:
    refused = await client.post(
        f"{ADMIN}/users", json={"email": email, "roles": ["creator"]}, headers=admin.headers
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "email"


async def test_reset_links_only_for_active_people(client: httpx.AsyncClient, admin: Caller) -> None:
    user_id = await new_user(client, admin, "kim@example.com", ["creator"])
    link = await client.post(f"{ADMIN}/users/{user_id}/password-reset", headers=admin.headers)
    assert link.status_code == 200
    assert "#token=" in link.json()["url"]
    await client.patch(f"{ADMIN}/users/{user_id}", json={"status": "suspended"}, headers=admin.headers)
    refused = await client.post(f"{ADMIN}/users/{user_id}/password-reset", headers=admin.headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "user"
    assert (
        await client.post(f"{ADMIN}/users/missing/password-reset", headers=admin.headers)
    ).status_code == 404
