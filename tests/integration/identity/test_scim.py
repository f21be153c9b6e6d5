"""Integration: SCIM request sequences as Okta and Entra ID send them, paging, filters and SCIM errors.

Request shapes follow Okta's "SCIM 2.0 protocol reference" and Microsoft's "Develop and plan
provisioning for a SCIM endpoint in Microsoft Entra ID" (ops in any case, string booleans,
members removed by value list, `emails[type eq "work"].value` paths)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from limner.components import Components
from limner.identity.accounts import service
from limner.identity.accounts.models import Group
from limner.identity.keys import service as key_service
from limner.identity.sessions.models import AuthSession
from tests.factories import Caller

SCIM = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
async def idp(components: Components) -> Caller:
    """The IdP's credential: an API key with the scim role, owned by a service account."""
    async with components.sessions.begin() as session:
        owner = await service.get_or_create_service(session, name="okta", roles=["scim"])
        row, key = await key_service.create_api_key(session, owner=owner, secret_key=components.secret_key)
    return Caller(user_id=owner.id, email=owner.email, api_key=key, key_id=row.id)


def okta_user(email: str, active: bool = True) -> dict[str, object]:
    return {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Ada Lovelace",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "an Okta-generated password Limner ignores",
        "active": active,
    }


async def test_okta_user_lifecycle(client: httpx.AsyncClient, idp: Caller, components: Components) -> None:
    h = idp.headers
    query: dict[str, str | int] = {"filter": 'userName eq "ada@example.com"', "startIndex": 1, "count": 100}
    lookup = await client.get(f"{SCIM}/Users", params=query, headers=h)
    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0
    assert lookup.headers["content-type"].startswith("application/scim+json")
    created = await client.post(f"{SCIM}/Users", json=okta_user("ada@example.com"), headers=h)
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["location"] == user["meta"]["location"]
    assert user["userName"] == "ada@example.com"
    assert user["active"] is True
    assert "password" not in user
    found = await client.get(f"{SCIM}/Users", params={"filter": 'userName eq "ADA@example.com"'}, headers=h)
    assert [r["id"] for r in found.json()["Resources"]] == [user["id"]]
    body = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
    deactivated = await client.patch(f"{SCIM}/Users/{user['id']}", json=body, headers=h)
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    async with components.sessions() as session:
        row = await service.get_user(session, user["id"])
        assert row.status == "deprovisioned"
    replaced = await client.put(f"{SCIM}/Users/{user['id']}", json=okta_user("ada@example.com"), headers=h)
    assert replaced.json()["active"] is True


async def test_entra_user_patches(client: httpx.AsyncClient, idp: Caller, components: Components) -> None:
    h = idp.headers
    body = {
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }
    user = (await client.post(f"{SCIM}/Users", json=body, headers=h)).json()
    assert user["userName"] == "Test_User_ab6490ee@contoso.com"
    ops = [
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updated@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": "displayName", "value": "Updated Name"},
    ]
    patched = await client.patch(
        f"{SCIM}/Users/{user['id']}", json={"schemas": [PATCH], "Operations": ops}, headers=h
    )
    doc = patched.json()
    assert doc["emails"][0]["value"] == "updated@contoso.com"
    assert doc["name"]["familyName"] == "updatedFamilyName"
    assert doc["displayName"] == "Updated Name"
    off = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert (await client.patch(f"{SCIM}/Users/{user['id']}", json=off, headers=h)).json()["active"] is False
    on = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}
    assert (await client.patch(f"{SCIM}/Users/{user['id']}", json=on, headers=h)).json()["active"] is True
    assert (await client.delete(f"{SCIM}/Users/{user['id']}", headers=h)).status_code == 204
    gone = await client.get(f"{SCIM}/Users/{user['id']}", headers=h)
    assert gone.status_code == 404
    assert gone.json()["schemas"] == [ERROR]


async def test_deprovisioning_by_scim_ends_sessions_at_once(
    client: httpx.AsyncClient, idp: Caller, components: Components
) -> None:
    from tests.integration.identity.conftest import person, sign_in

    email = await person(components, ["creator"])
    async with components.sessions.begin() as session:
        target = await service.find_user(session, email=email)
        assert target is not None
        target.provisioned_by = "scim"  # SCIM manages only the users it provisioned
    browser = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with browser:
        await sign_in(browser, email)
        body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]}
        assert (
            await client.patch(f"{SCIM}/Users/{target.id}", json=body, headers=idp.headers)
        ).status_code == 200
        assert (await browser.get("/v1/limner/auth/me")).status_code == 401
    async with components.sessions() as session:
        rows = (await session.execute(select(AuthSession))).scalars().all()
    assert all(r.ended_at is not None for r in rows)


async def test_group_membership_sequences(client: httpx.AsyncClient, idp: Caller) -> None:
    h = idp.headers
    a = (await client.post(f"{SCIM}/Users", json=okta_user("a@example.com"), headers=h)).json()["id"]
    b = (
        await client.post(f"{SCIM}/Users", json=okta_user("b@example.com") | {"externalId": "x2"}, headers=h)
    ).json()["id"]
    group = await client.post(
        f"{SCIM}/Groups",
        json={"schemas": [GROUP], "displayName": "Design", "externalId": "g1", "members": []},
        headers=h,
    )
    assert group.status_code == 201
    gid = group.json()["id"]
    entra_add = {
        "schemas": [PATCH],
        "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": a}, {"value": b}]}],
    }
    assert len((await client.patch(f"{SCIM}/Groups/{gid}", json=entra_add, headers=h)).json()["members"]) == 2
    okta_remove = {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{a}"]'}]}
    after = await client.patch(f"{SCIM}/Groups/{gid}", json=okta_remove, headers=h)
    assert [m["value"] for m in after.json()["members"]] == [b]
    entra_remove = {
        "schemas": [PATCH],
        "Operations": [{"op": "Remove", "path": "members", "value": [{"value": b}]}],
    }
    assert "members" not in (await client.patch(f"{SCIM}/Groups/{gid}", json=entra_remove, headers=h)).json()
    rename = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Design Team"}}],
    }
    assert (await client.patch(f"{SCIM}/Groups/{gid}", json=rename, headers=h)).json()[
        "displayName"
    ] == "Design Team"
    listed = await client.get(
        f"{SCIM}/Groups",
        params={"excludedAttributes": "members", "filter": 'displayName eq "Design Team"'},
        headers=h,
    )
    assert listed.json()["totalResults"] == 1
    user = await client.get(f"{SCIM}/Users/{b}", headers=h)
    assert "groups" not in user.json()
    assert (await client.delete(f"{SCIM}/Groups/{gid}", headers=h)).status_code == 204


async def test_paging(client: httpx.AsyncClient, idp: Caller) -> None:
    for i in range(5):
        await client.post(
            f"{SCIM}/Users",
            json=okta_user(f"p{i}@example.com") | {"externalId": f"e{i}"},
            headers=idp.headers,
        )
    page = await client.get(f"{SCIM}/Users", params={"startIndex": 2, "count": 2}, headers=idp.headers)
    body = page.json()
    assert body["totalResults"] == 5
    assert body["startIndex"] == 2
    assert body["itemsPerPage"] == 2
    assert [r["userName"] for r in body["Resources"]] == ["p1@example.com", "p2@example.com"]
    zero = await client.get(f"{SCIM}/Users", params={"count": 0}, headers=idp.headers)
    assert zero.json()["Resources"] == []
    assert zero.json()["totalResults"] == 5


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type"),
    [
        ("post", "/Users", {"schemas": [USER]}, 400, "invalidValue"),
        ("post", "/Users", [1, 2], 400, "invalidSyntax"),
        ("get", "/Users?filter=userName%20sw%20%22a%22", None, 400, "invalidFilter"),
        ("get", "/Users?startIndex=abc", None, 400, "invalidValue"),
        ("patch", "/Users/nope", {"schemas": [PATCH], "Operations": []}, 400, "invalidSyntax"),
        ("get", "/Users/nope", None, 404, None),
        ("get", "/Nope", None, 404, None),
        (
            "post",
            "/Groups",
            {"schemas": [GROUP], "displayName": "X", "members": [{"value": "ghost"}]},
            400,
            "invalidValue",
        ),
    ],
)
async def test_malformed_requests_get_scim_errors(
    client: httpx.AsyncClient,
    idp: Caller,
    method: str,
    path: str,
    body: object,
    status: int,
    scim_type: str | None,
) -> None:
    response = await client.request(method.upper(), f"{SCIM}{path}", json=body, headers=idp.headers)
    assert response.status_code == status
    error = response.json()
    assert error["schemas"] == [ERROR]
    assert error["status"] == str(status)
    assert error.get("scimType") == scim_type


async def test_malformed_patch_op_and_bad_path(client: httpx.AsyncClient, idp: Caller) -> None:
    uid = (await client.post(f"{SCIM}/Users", json=okta_user("m@example.com"), headers=idp.headers)).json()[
        "id"
    ]
    for op, kind in (
        ({"op": "jump", "path": "active"}, "invalidSyntax"),
        ({"op": "remove"}, "noTarget"),
        ({"op": "add", "path": "a..b", "value": 1}, "invalidPath"),
    ):
        response = await client.patch(
            f"{SCIM}/Users/{uid}", json={"schemas": [PATCH], "Operations": [op]}, headers=idp.headers
        )
        assert response.status_code == 400
        assert response.json()["scimType"] == kind


async def test_conflicts_and_auth_errors_are_scim_shaped(
    client: httpx.AsyncClient, idp: Caller, admin: Caller
) -> None:
    await client.post(f"{SCIM}/Users", json=okta_user("dup@example.com"), headers=idp.headers)
    dup = await client.post(f"{SCIM}/Users", json=okta_user("dup@example.com"), headers=idp.headers)
    assert dup.status_code == 409
    assert dup.json()["scimType"] == "uniqueness"
    anonymous = await client.get(f"{SCIM}/Users")
    assert anonymous.status_code == 401
    assert anonymous.json()["schemas"] == [ERROR]
    not_scim = await client.get(f"{SCIM}/Users", headers=admin.headers)  # admins lack the scim permission
    assert not_scim.status_code == 403
    assert not_scim.json()["schemas"] == [ERROR]
    discovery = await client.get(f"{SCIM}/ServiceProviderConfig")
    assert discovery.status_code == 200
    assert discovery.json()["patch"]["supported"] is True


async def test_a_change_is_committed_before_its_answer_is_sent(
    app: FastAPI, idp: Caller, components: Components
) -> None:
    # An IdP that deletes a group and reads it back at once must not find it (seen as a flaky SCIM
    # checker run): the request's transaction ends before the response starts, not after.
    gone_at_answer: list[bool] = []

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "DELETE":
                async with components.sessions() as session:
                    gone_at_answer.append(await session.get(Group, gid) is None)
            await send(message)

        await app(scope, receive, watched)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=watching), base_url="http://t") as client:
        body = {"schemas": [GROUP], "displayName": "Brand", "externalId": "g9", "members": []}
        created = await client.post(f"{SCIM}/Groups", json=body, headers=idp.headers)
        assert created.status_code == 201, created.text
        gid = created.json()["id"]
        assert (await client.delete(f"{SCIM}/Groups/{gid}", headers=idp.headers)).status_code == 204
    assert gone_at_answer == [True]
