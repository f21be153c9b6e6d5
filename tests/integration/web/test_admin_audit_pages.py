"""Admin, audit and verify pages (integration, over ASGI): an API key shown once and revoked, the audit
search with filters in the URL, the chain status, and an uploaded image's provenance.

The APIs behind them: tests/integration/identity/test_admin_api.py, tests/integration/audit/,
tests/integration/provenance/. In Chromium: tests/e2e/browser/test_admin.py."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from limner.components import Components
from limner.identity.accounts import groups
from limner.provenance.watermarks import create_watermark_key
from tests.factories import make_user
from tests.integration.web.conftest import csrf_from, web_sign_in

KEY = re.compile(r'id="new-key">(lmn_[^<]+)<')


async def test_admin_creates_a_key_shown_once_then_revokes_it(
    client: httpx.AsyncClient, components: Components
) -> None:
    owner = await make_user(components, roles=["creator"])
    await web_sign_in(client, components, ["admin"])
    page = await client.get("/admin/keys")
    csrf = csrf_from(page.text)
    data = {"csrf_token": csrf, "owner": owner.email, "name": "render farm", "roles": "creator"}
    created = await client.post("/admin/keys", data=data)
    assert created.status_code == 201
    key = KEY.search(created.text)
    assert key, created.text
    models = await client.get("/v1/models", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert models.status_code == 200
    listing = await client.get("/admin/keys")
    assert key.group(1) not in listing.text  # never shown again
    key_id = key.group(1).split("_")[1][:8]
    assert key_id in listing.text
    row = re.search(r'action="/admin/keys/([^/"]+)/revoke"', listing.text)
    assert row
    await client.post(f"/admin/keys/{row.group(1)}/revoke", data={"csrf_token": csrf})
    after = await client.get("/v1/models", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert after.status_code == 401


async def test_key_form_errors(client: httpx.AsyncClient, components: Components) -> None:
    owner = await make_user(components, roles=["creator"])
    await web_sign_in(client, components, ["admin"])
    csrf = csrf_from((await client.get("/admin/keys")).text)
    missing = await client.post("/admin/keys", data={"csrf_token": csrf, "owner": ""})
    assert missing.status_code == 400
    assert 'href="#owner"' in missing.text
    too_much = await client.post(
        "/admin/keys", data={"csrf_token": csrf, "owner": owner.email, "roles": "admin"}
    )
    assert too_much.status_code == 400
    assert "roles its owner does not have" in too_much.text
    assert 'value="admin" checked' in too_much.text  # nothing typed is lost


async def test_auditor_searches_and_sees_the_chain_verified(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["auditor"])
    found = await client.get("/audit", params={"action": "mfa.enrol"})
    assert "mfa.enrol" in found.text
    assert "1 event shown" in found.text
    assert "format=csv&amp;action=mfa.enrol" in found.text
    bad = await client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400
    assert 'href="#since"' in bad.text
    chain = await client.get("/audit/chain")
    assert "Chain verified" in chain.text


async def test_creators_cannot_open_admin_or_audit(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    for path in ("/admin", "/admin/keys", "/audit", "/audit/chain"):
        assert (await client.get(path)).status_code == 403, path


async def test_verify_an_image_that_is_not_ours(client: httpx.AsyncClient, components: Components) -> None:
    create_watermark_key(components.settings.data_dir / "provenance")
    await web_sign_in(client, components, ["creator"])
    csrf = csrf_from((await client.get("/verify")).text)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(buffer, "PNG")
    response = await client.post(
        "/verify", data={"csrf_token": csrf}, files={"file": ("x.png", buffer.getvalue(), "image/png")}
    )
    assert response.status_code == 200, response.text
    assert "Not recognised as a Limner image" in response.text
    broken = await client.post(
        "/verify", data={"csrf_token": csrf}, files={"file": ("x.png", b"not an image", "image/png")}
    )
    assert broken.status_code == 400
    assert 'href="#file"' in broken.text


async def test_roles_groups_quotas_and_backends(client: httpx.AsyncClient, components: Components) -> None:
    member = await make_user(components, roles=["creator"])
    async with components.sessions.begin() as session:
        group = await groups.create_group(session, name="marketing", roles=["creator"])
        await groups.set_members(session, group, [member.id])
    await web_sign_in(client, components, ["admin"])
    access = await client.get("/admin/access")
    assert "<td>marketing</td><td>creator</td>" in access.text
    assert member.email in access.text
    assert "<code>review.decide</code>" in access.text
    backends = await client.get("/admin/backends")
    assert backends.text.count(">available</strong>") == len(components.backends)
    assert "<code>limner-local</code>" in backends.text


async def test_admin_sets_roles_and_suspends(client: httpx.AsyncClient, components: Components) -> None:
    person = await make_user(components, roles=["viewer"])
    await web_sign_in(client, components, ["admin"])
    listing = await client.get("/admin/users")
    assert f'href="/admin/users/{person.id}"' in listing.text
    csrf = csrf_from(listing.text)
    roles = await client.post(
        f"/admin/users/{person.id}/roles", data={"csrf_token": csrf, "roles": ["creator", "viewer"]}
    )
    assert roles.status_code == 303
    page = await client.get(f"/admin/users/{person.id}")
    assert 'value="creator" checked' in page.text
    await client.post(f"/admin/users/{person.id}/status", data={"csrf_token": csrf, "status": "suspended"})
    assert "<dd>suspended</dd>" in (await client.get(f"/admin/users/{person.id}")).text
