"""Generate again, "Use these settings" and compare (integration, over ASGI): a re-run keeps the settings
and joins the first request's set, which the result lists to cycle through and compare; only one's own
requests can be re-run or reused."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.imaging.records import Generation
from tests.integration.web.conftest import home_csrf, web_sign_in

FORM = {
    "prompt": "a lighthouse at dusk",
    "model": "limner-local",
    "size": "256x256",
    "quality": "low",
    "n": "1",
}


async def first_request(client: httpx.AsyncClient, c: Components) -> tuple[str, str]:
    """Sign in, generate once; returns (the generation id, the CSRF token)."""
    await web_sign_in(client, c, ["creator"])
    csrf = await home_csrf(client)
    response = await client.post("/generate", data={**FORM, "csrf_token": csrf})
    found = re.search(r'action="/generate/again/(\w+)"', response.text)
    assert found, response.text
    assert ">Generate again</button>" in response.text
    assert f'href="/generate/from/{found.group(1)}">Use these settings</a>' in response.text
    return found.group(1), csrf


async def generations(c: Components) -> list[Generation]:
    async with c.sessions() as session:
        return list((await session.execute(select(Generation).order_by(Generation.created_at))).scalars())


async def test_generate_again_reruns_the_same_settings_and_keeps_the_set(
    client: httpx.AsyncClient, components: Components
) -> None:
    first, csrf = await first_request(client, components)
    second = await client.post(f"/generate/again/{first}", data={"csrf_token": csrf})
    assert second.status_code == 200, second.text
    assert "This set: 2 results" in second.text
    again = re.search(r'action="/generate/again/(\w+)"', second.text)
    assert again
    third = await client.post(f"/generate/again/{again.group(1)}", data={"csrf_token": csrf})
    assert "This set: 3 results" in third.text
    assert third.text.count('name="ids"') == 3  # each result can be ticked to compare
    rows = await generations(components)
    assert [r.again_of for r in rows] == [None, first, first]
    assert {(r.model, r.params["size"], r.params["quality"], r.prompt_hmac) for r in rows} == {
        (rows[0].model, "256x256", "low", rows[0].prompt_hmac)
    }


async def test_use_these_settings_fills_the_form_without_generating(
    client: httpx.AsyncClient, components: Components
) -> None:
    first, _ = await first_request(client, components)
    page = await client.get(f"/generate/from/{first}")
    assert page.status_code == 200
    assert ">a lighthouse at dusk</textarea>" in page.text
    assert '<option value="256x256" selected>' in page.text
    assert '<option value="low" selected>' in page.text
    assert f'name="again_of" value="{first}"' in page.text
    assert len(await generations(components)) == 1
    async with components.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == "prompt.revealed")
        [event] = (await session.execute(query)).scalars()
    assert event.data["purpose"] == "use_settings"


async def test_someone_else_cannot_rerun_or_reuse_your_request(
    client: httpx.AsyncClient, components: Components
) -> None:
    first, csrf = await first_request(client, components)
    await client.post("/signout", data={"csrf_token": csrf})
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    assert (await client.post(f"/generate/again/{first}", data={"csrf_token": csrf})).status_code == 404
    assert (await client.get(f"/generate/from/{first}")).status_code == 404
    joined = await client.post("/generate", data={**FORM, "again_of": first, "csrf_token": csrf})
    assert "This set" not in joined.text  # another person's set is never joined
    assert [r.again_of for r in await generations(components)] == [None, None]


async def test_compare_shows_chosen_images_side_by_side(
    client: httpx.AsyncClient, components: Components
) -> None:
    first, csrf = await first_request(client, components)
    second = await client.post(f"/generate/again/{first}", data={"csrf_token": csrf})
    ids = re.findall(r'name="ids" value="(\w+)"', second.text)
    page = await client.get("/compare", params={"ids": ids})
    assert page.status_code == 200
    assert page.text.count('class="generated"') == 2
    assert 'alt="Image 2 of 2"' in page.text
    one = await client.get("/compare", params={"ids": ids[:1]})
    assert one.status_code == 400
    assert "Choose two or more images to compare" in one.text
