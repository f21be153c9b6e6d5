"""Integration tests (over ASGI): an external link after its owner's data key is shredded (crypto-erasure)
serves no file: the visitor gets the same 404 as for a withdrawn link, and so do the owner's own
downloads. Twin: tests/unit/gallery/test_share_tokens.py."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from limner.components import Components
from limner.identity.accounts.models import User
from limner.vault.service import shred_data_key
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import generate_one, second_client


async def external_link(client: httpx.AsyncClient, image_id: str) -> str:
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "link", "days": "2", "csrf_token": csrf_from(details.text)}
    created = await client.post(f"/gallery/{image_id}/shares", data=data)
    link = re.search(r'<code id="new-link">http://testserver(/s/[^<]+)</code>', created.text)
    assert link, created.text
    return link.group(1)


async def test_a_link_serves_no_file_once_the_owners_key_is_shredded(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    email, _ = await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    link = await external_link(client, image_id)
    async with second_client(app) as visitor:
        assert (await visitor.get(link + "/image")).status_code == 200
        async with components.sessions.begin() as session:
            owner_id = (await session.execute(select(User.id).where(User.email == email))).scalar_one()
            assert await shred_data_key(session, components.key_provider, owner_id=owner_id)
        gone = await visitor.get(link + "/image")
    assert gone.status_code == 404
    assert "This link has expired or was withdrawn." in gone.text
    assert gone.headers["content-type"].startswith("text/html")
    own = await client.get(f"/gallery/{image_id}/download", params={"format": "png"})
    assert own.status_code == 404
