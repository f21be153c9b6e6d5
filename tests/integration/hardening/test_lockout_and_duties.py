"""Lock-out guards, separation of duties and four-eyes erasure, through the HTTP API.

API keys pass the step-up here (identity.mfa.step_up_allows_api_keys): the step-up itself is covered
by tests/integration/identity/test_authz_matrix.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.identity.accounts import service
from limner.identity.keys import service as key_service
from limner.settings import Settings
from tests.conftest import make_settings
from tests.factories import Caller, make_caller

USERS = "/v1/limner/admin/users"
ERASE = "/v1/limner/privacy/erasures"
SCIM_USERS = "/scim/v2/Users"
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(
        data_dir,
        identity={"mfa": {"step_up_allows_api_keys": True}},
        privacy={"erasure_requires_approval": False},
    )


def _code(resp: httpx.Response) -> str:
    return str(resp.json()["error"]["code"])


async def test_admin_cannot_suspend_or_erase_themselves(client: httpx.AsyncClient, admin: Caller) -> None:
    other = await client.post(
        USERS, headers=admin.headers, json={"email": "b@example.com", "roles": ["admin"]}
    )
    assert other.status_code == 201
    for status in ("suspended", "deprovisioned"):
        resp = await client.patch(f"{USERS}/{admin.user_id}", headers=admin.headers, json={"status": status})
        assert resp.status_code == 409
        assert _code(resp) == "self_lockout"
    resp = await client.post(ERASE, headers=admin.headers, json={"email": admin.email})
    assert resp.status_code == 409
    assert _code(resp) == "self_lockout"
    me = await client.get(f"{USERS}/{admin.user_id}", headers=admin.headers)
    assert me.json()["status"] == "active"


async def test_the_last_active_admin_cannot_be_removed(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    # A user-manager that is not an admin (custom role) tries to demote or suspend the only admin.
    manager = await make_caller(components, roles=["admin"])
    # Now two admins: the manager demotes the first admin (allowed), then cannot demote himself...
    resp = await client.patch(f"{USERS}/{admin.user_id}", headers=manager.headers, json={"roles": ["viewer"]})
    assert resp.status_code == 200
    resp = await client.patch(
        f"{USERS}/{manager.user_id}", headers=manager.headers, json={"roles": ["viewer"]}
    )
    assert resp.status_code == 409
    assert _code(resp) == "last_admin"
    # ...nor can a group change take the role away from the last admin.
    group = await client.post(
        "/v1/limner/admin/groups", headers=manager.headers, json={"name": "ops", "roles": ["admin"]}
    )
    gid = group.json()["id"]
    await client.put(
        f"/v1/limner/admin/groups/{gid}/members",
        headers=manager.headers,
        json={"user_ids": [manager.user_id]},
    )
    resp = await client.patch(
        f"{USERS}/{manager.user_id}", headers=manager.headers, json={"roles": ["viewer"]}
    )
    assert resp.status_code == 200  # still an admin through the group
    resp = await client.delete(f"/v1/limner/admin/groups/{gid}", headers=manager.headers)
    assert resp.status_code == 409
    assert _code(resp) == "last_admin"
    resp = await client.patch(f"/v1/limner/admin/groups/{gid}", headers=manager.headers, json={"roles": []})
    assert resp.status_code == 409
    me = await client.get(f"{USERS}/{manager.user_id}", headers=manager.headers)
    assert me.status_code == 200  # the refused changes rolled back: still signed in as an admin


async def test_scim_manages_only_what_it_provisioned(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    async with components.sessions.begin() as session:
        owner = await service.get_or_create_service(session, name="okta", roles=["scim"])
        _, key = await key_service.create_api_key(session, owner=owner, secret_key=components.secret_key)
    h = {"Authorization": f"Bearer {key}"}
    # The locally created admin is invisible to SCIM: no read, no deactivate, no delete.
    assert (await client.get(f"{SCIM_USERS}/{admin.user_id}", headers=h)).status_code == 404
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    assert (await client.patch(f"{SCIM_USERS}/{admin.user_id}", headers=h, json=patch)).status_code == 404
    assert (await client.delete(f"{SCIM_USERS}/{admin.user_id}", headers=h)).status_code == 404
    listed = await client.get(SCIM_USERS, headers=h)
    assert admin.user_id not in {r["id"] for r in listed.json()["Resources"]}
    local_group = await client.post("/v1/limner/admin/groups", headers=admin.headers, json={"name": "local"})
    gid = local_group.json()["id"]
    assert (await client.delete(f"/scim/v2/Groups/{gid}", headers=h)).status_code == 404
    # What SCIM created it manages fully.
    doc = {"schemas": [SCIM_USER], "userName": "ada@example.com", "active": True}
    created = await client.post(SCIM_USERS, headers=h, json=doc)
    assert created.status_code == 201
    uid = created.json()["id"]
    assert (await client.patch(f"{SCIM_USERS}/{uid}", headers=h, json=patch)).status_code == 200
    assert (await client.delete(f"{SCIM_USERS}/{uid}", headers=h)).status_code == 204
    me = await client.get(f"{USERS}/{admin.user_id}", headers=admin.headers)
    assert me.json()["status"] == "active"


async def test_signed_url_is_404_once_the_owner_is_suspended(
    client: httpx.AsyncClient, admin: Caller, components: Components
) -> None:
    creator = await make_caller(components, roles=["creator"])
    resp = await client.post(
        "/v1/images/generations",
        headers=creator.headers,
        json={"model": "limner-local", "prompt": "a kite", "size": "256x256", "response_format": "url"},
    )
    path = resp.json()["data"][0]["url"].split("8000", 1)[1]
    assert (await client.get(path)).status_code == 200
    resp = await client.patch(
        f"{USERS}/{creator.user_id}", headers=admin.headers, json={"status": "suspended"}
    )
    assert resp.status_code == 200
    gone = await client.get(path)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    await client.patch(f"{USERS}/{creator.user_id}", headers=admin.headers, json={"status": "active"})
    assert (await client.get(path)).status_code == 200
    await client.post(ERASE, headers=admin.headers, json={"email": creator.email})
    assert (await client.get(path)).status_code == 404


async def test_auditor_reads_but_cannot_erase_or_hold(
    client: httpx.AsyncClient, components: Components
) -> None:
    auditor = await make_caller(components, roles=["auditor"])
    privacy = await make_caller(components, roles=["privacy"])
    victim = await make_caller(components, roles=["creator"])
    assert (await client.get("/v1/limner/audit/events", headers=auditor.headers)).status_code == 200
    resp = await client.post(ERASE, headers=auditor.headers, json={"email": victim.email})
    assert resp.status_code == 403
    assert "privacy.manage" in resp.json()["error"]["message"]
    hold = {"scope": "user", "reason": "litigation", "user_email": victim.email}
    assert (
        await client.post("/v1/limner/privacy/holds", headers=auditor.headers, json=hold)
    ).status_code == 403
    assert (
        await client.post("/v1/limner/privacy/holds", headers=privacy.headers, json=hold)
    ).status_code == 201
    assert (await client.get("/v1/limner/privacy/holds", headers=privacy.headers)).status_code == 200


async def test_erasure_needs_a_second_person_when_configured(data_dir: Path) -> None:
    from limner.components import build_components
    from limner.main import create_app
    from tests.conftest import create_schema

    settings = make_settings(
        data_dir,
        identity={"mfa": {"step_up_allows_api_keys": True}},
        privacy={"erasure_requires_approval": True},
    )
    c = build_components(settings)
    try:
        await create_schema(c.engine)
        first = await make_caller(c, roles=["privacy"])
        second = await make_caller(c, roles=["privacy"])
        victim = await make_caller(c, roles=["creator"])
        transport = httpx.ASGITransport(app=create_app(components=c))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            asked = await client.post(ERASE, headers=first.headers, json={"email": victim.email})
            assert asked.status_code == 202
            request_id = asked.json()["id"]
            assert asked.json()["status"] == "pending"
            # Not erased yet: the victim's key still works.
            assert (await client.get("/v1/models", headers=victim.headers)).status_code == 200
            pending = await client.get(ERASE, headers=second.headers)
            assert [r["id"] for r in pending.json()["data"]] == [request_id]
            own = await client.post(f"{ERASE}/{request_id}/approve", headers=first.headers)
            assert own.status_code == 403
            assert own.json()["error"]["code"] == "same_person"
            done = await client.post(f"{ERASE}/{request_id}/approve", headers=second.headers)
            assert done.status_code == 200, done.text
            assert done.json()["request"]["status"] == "approved"
            assert (await client.get("/v1/models", headers=victim.headers)).status_code == 401
            again = await client.post(f"{ERASE}/{request_id}/approve", headers=second.headers)
            assert again.status_code == 409
        async with c.sessions() as session:
            actions = list(
                (await session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))).scalars()
            )
        assert "privacy.erasure.requested" in actions
        assert actions.index("privacy.erasure.requested") < actions.index("privacy.erased")
        assert "privacy.erasure.approved" in actions
    finally:
        await c.aclose()


async def test_scim_root_search_finds_users_and_groups(
    client: httpx.AsyncClient, components: Components
) -> None:
    async with components.sessions.begin() as session:
        owner = await service.get_or_create_service(session, name="entra", roles=["scim"])
        _, key = await key_service.create_api_key(session, owner=owner, secret_key=components.secret_key)
    h = {"Authorization": f"Bearer {key}"}
    doc = {"schemas": [SCIM_USER], "userName": "grace@example.com", "active": True}
    assert (await client.post(SCIM_USERS, headers=h, json=doc)).status_code == 201
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "designers"}
    assert (await client.post("/scim/v2/Groups", headers=h, json=group)).status_code == 201
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    found = await client.post("/scim/v2/.search", headers=h, json=search)
    assert found.status_code == 200
    assert found.json()["totalResults"] == 2
    by_name = await client.post(
        "/scim/v2/.search", headers=h, json={**search, "filter": 'displayName eq "designers"'}
    )
    assert [r["displayName"] for r in by_name.json()["Resources"]] == ["designers"]
    bad = await client.post("/scim/v2/.search", headers=h, json={**search, "filter": 'nickName eq "x"'})
    assert bad.status_code == 400
