"""Integration tests (web pages over ASGI): the share form's refusals name their field and keep the
details page; a share of someone else's image, or of one that does not exist, is not found; a
tampered link is not found either, for the page and for the file."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from limner.components import Components
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import generate_one, second_client


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"kind": "everyone", "target": "x"}, "target", "Choose who to share with."),
        ({"kind": "link", "days": "a week"}, "days", "Enter the number of days the link works, like 7."),
        ({"kind": "link", "days": "-3"}, "days", "Enter the number of days the link works, like 7."),
    ],
    ids=["unknown-kind", "days-in-words", "negative-days"],
)
async def test_share_form_refusals_name_the_field(
    client: httpx.AsyncClient, components: Components, form: dict[str, str], field: str, message: str
) -> None:
    await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    response = await client.post(
        f"/gallery/{image_id}/shares", data={**form, "csrf_token": csrf_from(details.text)}
    )
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text
    assert message in response.text
    assert "Image details" in response.text  # the same page, with the error beside the form


async def test_sharing_an_image_that_does_not_exist_is_not_found(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    home = await client.get("/gallery")
    data = {"kind": "person", "target": "x@example.com", "csrf_token": csrf_from(home.text)}
    response = await client.post("/gallery/" + "f" * 32 + "/shares", data=data)
    assert response.status_code == 404
    assert "No such image." in response.text


async def test_a_tampered_link_is_not_found_for_page_and_file(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "link", "days": "2", "csrf_token": csrf_from(details.text)}
    created = await client.post(f"/gallery/{image_id}/shares", data=data)
    link = re.search(r'<code id="new-link">http://testserver(/s/[^<]+)</code>', created.text)
    assert link, created.text
    tampered = link.group(1)[:-2] + ("AA" if not link.group(1).endswith("AA") else "BB")
    async with second_client(app) as outsider:
        assert (await outsider.get(link.group(1) + "/image")).headers["x-robots-tag"] == "noindex, nofollow"
        assert (await outsider.get(tampered)).status_code == 404
        assert (await outsider.get(tampered + "/image")).status_code == 404


async def test_my_shares_lists_nothing_before_a_share(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    page = await client.get("/shares")
    assert page.status_code == 200
    assert "My shares" in page.text
    assert 'action="/shares/' not in page.text


async def test_revoking_a_share_that_is_not_yours_is_refused(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    image_id = await generate_one(client)
    details = await client.get(f"/gallery/{image_id}")
    data = {"kind": "link", "days": "2", "csrf_token": csrf_from(details.text)}
    await client.post(f"/gallery/{image_id}/shares", data=data)
    shares = await client.get("/shares")
    share_id = re.search(r'action="/shares/([0-9a-f]+)/revoke"', shares.text)
    assert share_id
    async with second_client(app) as other:
        await web_sign_in(other, components, ["creator"])
        home = await other.get("/shares")
        response = await other.post(
            f"/shares/{share_id.group(1)}/revoke", data={"csrf_token": csrf_from(home.text)}
        )
        assert response.status_code == 404
        assert "No such share." in response.text
    assert f"/shares/{share_id.group(1)}/revoke" in (await client.get("/shares")).text  # still active
