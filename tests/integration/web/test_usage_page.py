"""The admin view of usage by group (integration, over ASGI): the table, its CSV, the period filter and
who may see it. The figures' own rules: tests/integration/usage/test_usage.py."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi import FastAPI

from limner.components import Components
from limner.identity.accounts import groups
from tests.factories import make_caller
from tests.integration.web.conftest import web_sign_in

DALLE3 = {"model": "dall-e-3", "prompt": "a red kite", "size": "1024x1024", "quality": "standard"}


@pytest.fixture
async def design_traffic(app: FastAPI, components: Components) -> None:
    """One dall-e-3 image ($0.04) made through the API by a member of "design"."""
    caller = await make_caller(components, roles=["creator"])
    async with components.sessions.begin() as session:
        design = await groups.create_group(session, name="design")
        await groups.add_members(session, design, [caller.user_id])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        made = await api.post("/v1/images/generations", json=DALLE3, headers=caller.headers)
    assert made.status_code == 200, made.text


@pytest.mark.usefixtures("design_traffic")
async def test_auditor_sees_usage_by_group_and_downloads_it_as_csv(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["auditor"])
    page = await client.get("/admin/usage")
    assert page.status_code == 200, page.text
    assert (
        '<a href="/admin/usage">Usage</a>' in page.text
        or 'href="/admin/usage" aria-current="page">Usage' in page.text
    )
    assert "<tr><td>design</td><td>1</td><td>1</td><td>0.04</td>" in page.text
    download = await client.get("/admin/usage.csv", params={"since": "7d"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert rows == [
        {
            "group": "design",
            "requests": "1",
            "images": "1",
            "cost_usd": "0.040000",
            "blocked": "0",
            "held": "0",
            "budget_usd_per_month": "",
        }
    ]


async def test_a_bad_period_is_explained_on_the_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["auditor"])
    page = await client.get("/admin/usage", params={"since": "a while"})
    assert page.status_code == 400
    assert 'href="#since">Enter a period like 30d, 12h or 90m' in page.text
    assert 'value="a while"' in page.text


async def test_creators_may_not_see_usage_by_group(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    assert (await client.get("/admin/usage")).status_code == 403
    assert (await client.get("/admin/usage.csv")).status_code == 403
    assert 'href="/admin/usage"' not in (await client.get("/gallery")).text
