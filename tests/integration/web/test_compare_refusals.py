"""Integration tests (over ASGI): what compare and the Generate form refuse: another person's image among
the chosen ones, the same image chosen twice, unknown images, a count that is not a number. Twin:
tests/unit/web/test_review_and_module_helpers.py."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from limner.components import Components
from tests.integration.web.conftest import home_csrf
from tests.integration.web.test_gallery import second_client
from tests.integration.web.test_generate_again import FORM, first_request, generations


async def two_images(client: httpx.AsyncClient, c: Components) -> list[str]:
    first, csrf = await first_request(client, c)
    second = await client.post(f"/generate/again/{first}", data={"csrf_token": csrf})
    ids = re.findall(r'name="ids" value="(\w+)"', second.text)
    assert len(ids) == 2
    return ids


async def test_compare_refuses_when_one_image_is_someone_elses(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    mine = await two_images(client, components)
    async with second_client(app) as other:
        theirs = await two_images(other, components)
        refused = await other.get("/compare", params={"ids": [theirs[0], mine[0]]})
        assert refused.status_code == 404
        assert mine[0] not in refused.text
        assert (await other.get("/compare", params={"ids": theirs})).status_code == 200


async def test_the_same_image_chosen_twice_counts_once(
    client: httpx.AsyncClient, components: Components
) -> None:
    ids = await two_images(client, components)
    refused = await client.get("/compare", params={"ids": [ids[0], ids[0]]})
    assert refused.status_code == 400
    assert "Choose two or more images to compare" in refused.text


async def test_an_unknown_image_in_compare_is_not_found(
    client: httpx.AsyncClient, components: Components
) -> None:
    ids = await two_images(client, components)
    assert (await client.get("/compare", params={"ids": [ids[0], "0" * 32]})).status_code == 404


@pytest.mark.parametrize("count", ["two", "-1", "1.5"])
async def test_a_count_that_is_not_a_whole_number_is_refused_on_its_field(
    client: httpx.AsyncClient, components: Components, count: str
) -> None:
    await first_request(client, components)
    csrf = await home_csrf(client)
    refused = await client.post("/generate", data={**FORM, "n": count, "csrf_token": csrf})
    assert refused.status_code == 400
    assert 'href="#n"' in refused.text
    assert "Count must be a whole number" in refused.text
    assert len(await generations(components)) == 1  # only the first request
