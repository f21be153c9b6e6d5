"""Integration tests (over ASGI): a template's life after publishing: editing from the current version,
republishing a retired name, retiring twice or something unknown, and refusals that write nothing.
Twin: tests/unit/templates/test_rules.py."""

from __future__ import annotations

import html

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from limner.components import Components
from limner.templates.models import PromptTemplate, TemplateVersion
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import actions, second_client
from tests.integration.web.test_templates import publish, template_id


async def retire(client: httpx.AsyncClient, tid: str) -> httpx.Response:
    manage = await client.get("/templates/manage")
    return await client.post(f"/templates/{tid}/retire", data={"csrf_token": csrf_from(manage.text)})


async def stored(c: Components) -> tuple[int, int]:
    async with c.sessions() as session:
        templates = (await session.execute(select(func.count()).select_from(PromptTemplate))).scalar_one()
        versions = (await session.execute(select(func.count()).select_from(TemplateVersion))).scalar_one()
    return int(templates), int(versions)


async def test_editing_fills_the_form_from_the_current_version(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    await publish(client)
    await publish(client, style="bold colours", size_preset="", model="")
    edit = await client.get("/templates/manage", params={"edit": await template_id(client)})
    assert edit.status_code == 200
    page = html.unescape(edit.text)
    assert 'value="Team slide"' in page
    assert ">A {style} picture of {subject}</textarea>" in page
    assert ">style: choice: watercolour | flat vector\nsubject: text</textarea>" in page
    assert 'value="bold colours"' in page


async def test_editing_an_unknown_template_is_not_found(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    assert (await client.get("/templates/manage", params={"edit": "0" * 32})).status_code == 404


async def test_a_retired_template_cannot_be_retired_again_started_or_edited(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    await publish(client)
    tid = await template_id(client)
    assert (await retire(client, tid)).status_code == 303
    assert (await retire(client, tid)).status_code == 404
    started = await client.get(f"/templates/{tid}/start", params={"style": "flat vector", "subject": "a fox"})
    assert started.status_code == 404
    assert (await client.get("/templates/manage", params={"edit": tid})).status_code == 404
    assert (await actions(components)).count("template.retired") == 1


async def test_republishing_a_retired_name_brings_it_back_as_the_next_version(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    await publish(client)
    first = await template_id(client)
    await retire(client, first)
    assert (await publish(client, style="new colours")).status_code == 303
    assert await template_id(client) == first
    listing = (await client.get("/templates")).text
    assert "Version 2" in listing
    assert await stored(components) == (1, 2)


async def test_only_publishers_retire(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    await publish(client)
    tid = await template_id(client)
    async with second_client(app) as creator:
        await web_sign_in(creator, components, ["creator"])
        listing = await creator.get("/templates")
        refused = await creator.post(f"/templates/{tid}/retire", data={"csrf_token": csrf_from(listing.text)})
        assert refused.status_code == 403
    assert await template_id(client) == tid
    assert "template.retired" not in await actions(components)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"variables": "Style: choice: a | b"}, "variables"),
        ({"model": "dall-e-2", "size_preset": "Slide 16:9"}, "size_preset"),
        ({"text": "   "}, "text"),
        ({"description": "d" * 301}, "description"),
        (
            {"text": "{a} {b} {c}", "variables": "\n".join(f"{n}: choice: 1|2|3|4|5|6" for n in "abc")},
            "variables",
        ),
    ],
)
async def test_a_refused_draft_writes_nothing_and_keeps_what_was_typed(
    client: httpx.AsyncClient, components: Components, fields: dict[str, str], field: str
) -> None:
    await web_sign_in(client, components, ["admin"])
    refused = await publish(client, **fields)
    assert refused.status_code == 400
    assert f'href="#{field}"' in refused.text
    assert 'value="Team slide"' in refused.text
    assert await stored(components) == (0, 0)
    assert "template.published" not in await actions(components)
