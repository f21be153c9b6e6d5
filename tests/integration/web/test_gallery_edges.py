"""Integration tests (web pages over ASGI): the gallery's edges — someone else's image is not found,
neither to view nor to delete; unknown ids and bad filters get a readable page; the vendored static
files are cached for a year."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from limner.components import Components
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import generate_one, second_client


async def test_another_person_may_neither_see_nor_delete_an_image(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    image_id = await generate_one(client)
    async with second_client(app) as other:
        await web_sign_in(other, components, ["creator"])
        home = await other.get("/gallery")
        seen = await other.get(f"/gallery/{image_id}")
        assert seen.status_code == 404
        deleted = await other.post(f"/gallery/{image_id}/delete", data={"csrf_token": csrf_from(home.text)})
        assert deleted.status_code == 404
    assert (await client.get(f"/gallery/{image_id}")).status_code == 200  # still there for its owner


async def test_an_unknown_image_is_a_readable_not_found_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.get("/gallery/" + "0" * 32)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No such image." in response.text
    assert "Traceback" not in response.text


async def test_a_bad_date_filter_names_the_field_and_keeps_the_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.get("/gallery?until=31/12/2026")
    assert response.status_code == 200  # a search form: the page stays, the field says what is wrong
    assert 'href="#until"' in response.text
    assert "Enter a real date, like 2026-03-31" in response.text


async def test_static_files_are_cached_for_a_year(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/limner.css")
    assert response.status_code == 200
    assert response.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_missing_static_file_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/no-such-file.js")
    assert response.status_code == 404
