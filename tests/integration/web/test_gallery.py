"""Gallery and sharing pages (integration, over ASGI): search, details, erase, internal shares, external
links, My shares and revocation, all audited. Browser tests (tests/e2e/browser) drive it in Chromium."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from tests.integration.web.conftest import csrf_from, home_csrf, web_sign_in

IMAGE_LINK = re.compile(r'href="/gallery/([0-9a-f]{32})"')


async def generate_one(client: httpx.AsyncClient, prompt: str = "a kite over the sea") -> str:
    csrf = await home_csrf(client)
    data = {"prompt": prompt, "model": "limner-local", "size": "256x256", "csrf_token": csrf}
    response = await client.post("/generate", data=data)
    assert response.status_code == 200, response.text
    gallery = await client.get("/gallery")
    found = IMAGE_LINK.search(gallery.text)
    assert found, gallery.text
    return found.group(1)


async def actions(c: Components) -> list[str]:
    async with c.sessions() as session:
        return list((await session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))).scalars())


def second_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_details_show_model_prompt_and_provenance(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, _ = await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    page = await client.get(f"/gallery/{image_id}")
    assert page.status_code == 200
    assert "limner-local" in page.text
    assert email in page.text  # made by
    assert "a kite over the sea" in page.text
    assert "Copy prompt" in page.text
    assert "Policy version" in page.text  # the watermark needs `limner init` keys: see the browser tests
    assert "prompt.revealed" in await actions(components)  # reading a stored prompt is audited


async def test_search_by_model_status_and_date(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    assert image_id in (await client.get("/gallery?model=limner-local&status=completed")).text
    assert image_id not in (await client.get("/gallery?status=held")).text
    assert image_id not in (await client.get("/gallery?until=2000-01-01")).text
    bad = await client.get("/gallery?since=yesterday")
    assert 'href="#since"' in bad.text


async def test_delete_erases_the_image(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    file_url = re.search(r'<img src="(/v1/images/files/[^"]+)"', details.text)
    assert file_url
    deleted = await client.post(f"/gallery/{image_id}/delete", data={"csrf_token": csrf_from(details.text)})
    assert deleted.status_code == 303
    assert (await client.get(f"/gallery/{image_id}")).status_code == 404
    assert (await client.get(file_url.group(1).replace("&amp;", "&"))).status_code == 404
    assert "image.erased" in await actions(components)


async def test_share_with_a_person_lets_only_them_see_it(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    async with second_client(app) as friend, second_client(app) as stranger:
        friend_email, _ = await web_sign_in(friend, components, ["viewer"])
        await web_sign_in(stranger, components, ["viewer"])
        assert (await friend.get(f"/gallery/{image_id}")).status_code == 404
        details = await client.get(f"/gallery/{image_id}")
        data = {"kind": "person", "target": friend_email, "csrf_token": csrf_from(details.text)}
        shared = await client.post(f"/gallery/{image_id}/shares", data=data)
        assert shared.status_code == 200
        seen = await friend.get(f"/gallery/{image_id}")
        assert seen.status_code == 200
        assert "a kite over the sea" not in seen.text  # the prompt stays with its owner
        assert image_id in (await friend.get("/gallery")).text  # "Shared with you"
        assert (await stranger.get(f"/gallery/{image_id}")).status_code == 404
    assert "share.created" in await actions(components)


async def test_share_with_unknown_person_is_a_field_error(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "person", "target": "nobody@example.com", "csrf_token": csrf_from(details.text)}
    response = await client.post(f"/gallery/{image_id}/shares", data=data)
    assert response.status_code == 400
    assert 'href="#target"' in response.text


async def test_creators_may_not_share_outside_by_default(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    assert 'value="link"' not in details.text
    data = {"kind": "link", "days": "7", "csrf_token": csrf_from(details.text)}
    response = await client.post(f"/gallery/{image_id}/shares", data=data)
    assert response.status_code == 403


async def test_external_link_shows_disclosure_expires_and_can_be_revoked(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "link", "days": "3", "csrf_token": csrf_from(details.text)}
    created = await client.post(f"/gallery/{image_id}/shares", data=data)
    link = re.search(r'<code id="new-link">http://testserver(/s/[^<]+)</code>', created.text)
    assert link, created.text
    async with second_client(app) as outsider:
        public = await outsider.get(link.group(1))
        assert public.status_code == 200
        assert "AI-generated" in public.text
        assert public.headers["x-robots-tag"] == "noindex, nofollow"
        image = await outsider.get(link.group(1) + "/image")
        assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
        shares = await client.get("/shares")
        share_id = re.search(r'action="/shares/([0-9a-f]+)/revoke"', shares.text)
        assert share_id
        revoked = await client.post(
            f"/shares/{share_id.group(1)}/revoke", data={"csrf_token": csrf_from(shares.text)}
        )
        assert "Revoked" in revoked.text
        assert (await outsider.get(link.group(1))).status_code == 404
        assert (await outsider.get(link.group(1) + "/image")).status_code == 404
    assert {"share.created", "share.revoked"} <= set(await actions(components))


async def test_out_of_range_link_days_is_a_field_error(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "link", "days": "400", "csrf_token": csrf_from(details.text)}
    response = await client.post(f"/gallery/{image_id}/shares", data=data)
    assert response.status_code == 400
    assert 'href="#days"' in response.text


async def test_unknown_link_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/s/not-a-real-token")).status_code == 404
