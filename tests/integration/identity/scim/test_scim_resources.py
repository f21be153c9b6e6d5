"""Integration: SCIM 2.0 resources at /scim/v2: filters on every supported attribute, root and
resource searches, group membership by PATCH, uniqueness, scoping to what SCIM created, and every
error in SCIM's error shape.

Twin: tests/unit/identity/scim/test_documents.py (document parsing and the error mapping)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from limner.components import Components
from limner.identity.accounts import service
from limner.identity.keys import service as key_service
from tests.factories import Caller, make_user

SCIM = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
async def idp(components: Components) -> Caller:
    """The IdP's credential: an API key with the scim role, owned by a service account."""
    async with components.sessions.begin() as session:
        owner = await service.get_or_create_service(session, name="okta", roles=["scim"])
        again = await service.get_or_create_service(session, name="okta", roles=["scim"])
        assert again.id == owner.id
        row, key = await key_service.create_api_key(session, owner=owner, secret_key=components.secret_key)
    return Caller(user_id=owner.id, email=owner.email, api_key=key, key_id=row.id)


async def add_user(client: httpx.AsyncClient, idp: Caller, email: str, **extra: Any) -> dict[str, Any]:
    doc = {"schemas": [USER], "userName": email, "emails": [{"value": email, "primary": True}], **extra}
    created = await client.post(f"{SCIM}/Users", json=doc, headers=idp.headers)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def add_group(client: httpx.AsyncClient, idp: Caller, name: str, members: list[str]) -> dict[str, Any]:
    doc = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    created = await client.post(f"{SCIM}/Groups", json=doc, headers=idp.headers)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert (body["schemas"], body["status"], body.get("scimType")) == ([ERROR], str(status), scim_type)


@pytest.mark.parametrize(
    ("flt", "found"),
    [
        ('userName eq "ADA@example.com"', True),  # userName compares case-insensitively
        ('externalId eq "ext-1"', True),
        ('externalId eq "EXT-1"', False),  # externalId is case-exact
        ('emails.value eq "ada@example.com"', True),
        ('emails eq "ada@example.com"', True),
        ('displayName eq "Ada"', True),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada@example.com"', True),
        ('userName eq "bob@example.com"', False),
    ],
)
async def test_users_are_found_by_every_supported_filter(
    client: httpx.AsyncClient, idp: Caller, flt: str, found: bool
) -> None:
    await add_user(client, idp, "ada@example.com", externalId="ext-1", displayName="Ada")
    listed = await client.get(f"{SCIM}/Users", params={"filter": flt}, headers=idp.headers)
    assert listed.status_code == 200
    assert listed.json()["totalResults"] == int(found)


async def test_an_id_filter_finds_the_user_and_unsupported_attributes_are_invalid_filters(
    client: httpx.AsyncClient, idp: Caller
) -> None:
    user = await add_user(client, idp, "ada@example.com")
    by_id = await client.get(f"{SCIM}/Users", params={"filter": f'id eq "{user["id"]}"'}, headers=idp.headers)
    assert [r["id"] for r in by_id.json()["Resources"]] == [user["id"]]
    for path in ("/Users", "/Groups"):
        refused = await client.get(f"{SCIM}{path}", params={"filter": 'title eq "x"'}, headers=idp.headers)
        assert_scim_error(refused, 400, "invalidFilter")


async def test_a_user_without_an_email_gets_a_synthetic_address_that_never_signs_in(
    client: httpx.AsyncClient, idp: Caller
) -> None:
    doc = {"schemas": [USER], "userName": "jdoe", "active": "False"}
    created = await client.post(f"{SCIM}/Users", json=doc, headers=idp.headers)
    assert created.status_code == 201
    assert created.json()["active"] is False
    found = await client.get(f"{SCIM}/Users", params={"filter": 'userName eq "JDOE"'}, headers=idp.headers)
    assert found.json()["Resources"][0]["userName"] == "jdoe"


async def test_resource_searches_by_post_page_and_project(client: httpx.AsyncClient, idp: Caller) -> None:
    for name in ("a", "b", "c"):
        await add_user(client, idp, f"{name}@example.com", displayName=name.upper())
    body = {"schemas": [SEARCH], "startIndex": 2, "count": 1, "attributes": ["userName"]}
    page = (await client.post(f"{SCIM}/Users/.search", json=body, headers=idp.headers)).json()
    assert (page["totalResults"], page["startIndex"]) == (3, 2)
    assert page["Resources"] == [
        {"schemas": [USER], "id": page["Resources"][0]["id"], "userName": "b@example.com"}
    ]
    excluded = {"schemas": [SEARCH], "excludedAttributes": ["meta", "emails"], "filter": 'displayName eq "C"'}
    (doc,) = (await client.post(f"{SCIM}/Users/.search", json=excluded, headers=idp.headers)).json()[
        "Resources"
    ]
    assert "meta" not in doc
    assert "emails" not in doc
    groups = await client.post(f"{SCIM}/Groups/.search", json={"schemas": [SEARCH]}, headers=idp.headers)
    assert groups.json()["totalResults"] == 0


async def test_the_root_search_covers_users_then_groups_for_the_filters_each_knows(
    client: httpx.AsyncClient, idp: Caller
) -> None:
    ada = await add_user(client, idp, "ada@example.com", displayName="Design")
    await add_group(client, idp, "Design", [ada["id"]])
    both = await client.post(
        f"{SCIM}/.search",
        json={"schemas": [SEARCH], "filter": 'displayName eq "Design"'},
        headers=idp.headers,
    )
    assert [r["meta"]["resourceType"] for r in both.json()["Resources"]] == ["User", "Group"]
    users_only = await client.post(
        f"{SCIM}/.search",
        json={"schemas": [SEARCH], "filter": 'userName eq "ada@example.com"'},
        headers=idp.headers,
    )
    assert users_only.json()["totalResults"] == 1
    nobody = await client.post(
        f"{SCIM}/.search", json={"schemas": [SEARCH], "filter": 'title eq "x"'}, headers=idp.headers
    )
    assert_scim_error(nobody, 400, "invalidFilter")
    assert_scim_error(
        await client.post(f"{SCIM}/.search", json={}, headers=idp.headers), 400, "invalidSyntax"
    )


async def test_group_members_are_added_and_removed_by_patch_and_shown_on_users(
    client: httpx.AsyncClient, idp: Caller
) -> None:
    ada = await add_user(client, idp, "ada@example.com")
    bob = await add_user(client, idp, "bob@example.com")
    group = await add_group(client, idp, "Design", [ada["id"]])
    ops = [{"op": "add", "path": "members", "value": [{"value": bob["id"]}, {"value": ada["id"]}]}]
    added = await client.patch(
        f"{SCIM}/Groups/{group['id']}", json={"schemas": [PATCH], "Operations": ops}, headers=idp.headers
    )
    assert sorted(m["value"] for m in added.json()["members"]) == sorted([ada["id"], bob["id"]])
    shown = (await client.get(f"{SCIM}/Users/{bob['id']}", headers=idp.headers)).json()
    assert shown["groups"] == [
        {"value": group["id"], "$ref": f"http://testserver{SCIM}/Groups/{group['id']}", "display": "Design"}
    ]
    ops = [{"op": "remove", "path": f'members[value eq "{ada["id"]}"]'}]
    removed = await client.patch(
        f"{SCIM}/Groups/{group['id']}", json={"schemas": [PATCH], "Operations": ops}, headers=idp.headers
    )
    assert [m["value"] for m in removed.json()["members"]] == [bob["id"]]
    projected = await client.get(
        f"{SCIM}/Groups/{group['id']}", params={"attributes": "displayName"}, headers=idp.headers
    )
    assert set(projected.json()) == {"schemas", "id", "displayName"}


async def test_group_names_are_unique_on_create_and_replace(client: httpx.AsyncClient, idp: Caller) -> None:
    design = await add_group(client, idp, "Design", [])
    await add_group(client, idp, "Print", [])
    dup = await client.post(
        f"{SCIM}/Groups", json={"schemas": [GROUP], "displayName": "Design"}, headers=idp.headers
    )
    assert_scim_error(dup, 409, "uniqueness")
    clash = await client.put(
        f"{SCIM}/Groups/{design['id']}",
        json={"schemas": [GROUP], "displayName": "Print"},
        headers=idp.headers,
    )
    assert_scim_error(clash, 409, "uniqueness")
    renamed = await client.put(
        f"{SCIM}/Groups/{design['id']}",
        json={"schemas": [GROUP], "displayName": "Studio", "externalId": "g-1"},
        headers=idp.headers,
    )
    assert (renamed.json()["displayName"], renamed.json()["externalId"]) == ("Studio", "g-1")
    found = await client.get(f"{SCIM}/Groups", params={"filter": 'externalId eq "g-1"'}, headers=idp.headers)
    assert found.json()["totalResults"] == 1
    assert (await client.delete(f"{SCIM}/Groups/{design['id']}", headers=idp.headers)).status_code == 204
    assert_scim_error(await client.get(f"{SCIM}/Groups/{design['id']}", headers=idp.headers), 404)


async def test_scim_sees_only_what_it_created(
    client: httpx.AsyncClient, components: Components, idp: Caller
) -> None:
    local = await make_user(components, roles=["creator"], email="local@example.com")
    assert_scim_error(await client.get(f"{SCIM}/Users/{local.id}", headers=idp.headers), 404)
    listed = await client.get(f"{SCIM}/Users", headers=idp.headers)
    assert listed.json()["totalResults"] == 0
    refused = await client.post(
        f"{SCIM}/Groups",
        json={"schemas": [GROUP], "displayName": "G", "members": [{"value": local.id}]},
        headers=idp.headers,
    )
    assert_scim_error(refused, 400, "invalidValue")
    taken = await client.post(
        f"{SCIM}/Users", json={"schemas": [USER], "userName": "local@example.com"}, headers=idp.headers
    )
    assert_scim_error(taken, 409, "uniqueness")  # an existing local account is not taken over


async def test_replacing_a_user_can_reactivate_it_and_keeps_user_names_unique(
    client: httpx.AsyncClient, idp: Caller
) -> None:
    ada = await add_user(client, idp, "ada@example.com", active=False)
    await add_user(client, idp, "bob@example.com")
    url = f"{SCIM}/Users/{ada['id']}"
    clash = await client.put(
        url, json={"schemas": [USER], "userName": "bob@example.com"}, headers=idp.headers
    )
    assert_scim_error(clash, 409, "uniqueness")
    back = await client.put(
        url, json={"schemas": [USER], "userName": "ada@example.com", "active": True}, headers=idp.headers
    )
    assert back.json()["active"] is True
    assert (await client.delete(url, headers=idp.headers)).status_code == 204
    assert_scim_error(await client.get(url, headers=idp.headers), 404)
    assert_scim_error(await client.delete(url, headers=idp.headers), 404)


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "scim_type"),
    [
        ("POST", "/Users", b"{not json", 400, "invalidSyntax"),
        ("POST", "/Users", b"\xff\xfe", 400, "invalidSyntax"),
        ("POST", "/Users", b"", 400, "invalidSyntax"),
        ("PATCH", "/Users/x", b'{"Operations": [{"op": "add"}]}', 400, "invalidSyntax"),  # no PatchOp schema
        (
            "PATCH",
            "/Groups/x",
            b'{"schemas": ["' + PATCH.encode() + b'"], "Operations": []}',
            400,
            "invalidSyntax",
        ),
        ("DELETE", "/ServiceProviderConfig", b"", 405, None),
        ("PUT", "/Users", b"{}", 405, None),
        ("GET", "/Schemas/urn:nope", b"", 404, None),
        ("GET", "/ResourceTypes/Nope", b"", 404, None),
        ("GET", "/Bulk", b"", 404, None),
    ],
)
async def test_malformed_bodies_and_unknown_endpoints_are_scim_errors(
    client: httpx.AsyncClient,
    idp: Caller,
    method: str,
    path: str,
    content: bytes,
    status: int,
    scim_type: str | None,
) -> None:
    headers = {**idp.headers, "content-type": "application/scim+json"}
    response = await client.request(method, f"{SCIM}{path}", content=content, headers=headers)
    assert_scim_error(response, status, scim_type)


async def test_discovery_lists_and_names_its_schemas_and_resource_types(client: httpx.AsyncClient) -> None:
    schemas = (await client.get(f"{SCIM}/Schemas")).json()
    assert {USER, GROUP} <= {s["id"] for s in schemas["Resources"]}
    assert (await client.get(f"{SCIM}/Schemas/{USER}")).json()["id"] == USER
    types = (await client.get(f"{SCIM}/ResourceTypes")).json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    assert (await client.get(f"{SCIM}/ResourceTypes/Group")).json()["endpoint"] == "/Groups"


async def test_an_unscoped_scim_manages_local_accounts_too(
    client: httpx.AsyncClient, components: Components, idp: Caller
) -> None:
    components.settings.identity.scim_manages_only_provisioned = False  # read per request
    local = await make_user(components, roles=["creator"], email="local@example.com")
    assert (await client.get(f"{SCIM}/Users/{local.id}", headers=idp.headers)).status_code == 200
    group = await add_group(client, idp, "Everyone", [local.id])
    listed = await client.get(f"{SCIM}/Groups", headers=idp.headers)
    assert [g["id"] for g in listed.json()["Resources"]] == [group["id"]]
