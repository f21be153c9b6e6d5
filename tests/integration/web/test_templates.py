"""Templates pages (integration, over ASGI): only admins and the brand role publish; every dropdown choice
passes the prompt policy or publishing is refused with the findings; versions; starting from a template
fills the Generate form; publishing and retiring are audited."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from limner.components import Components
from tests.integration.web.conftest import csrf_from, home_csrf, web_sign_in
from tests.integration.web.test_gallery import actions

TEMPLATE_START = re.compile(r'action="/templates/([0-9a-f]{32})/start"')
SLIDE = {
    "name": "Team slide",
    "description": "A picture for a slide",
    "text": "A {style} picture of {subject}",
    "variables": "style: choice: watercolour | flat vector\nsubject: text",
    "style": "calm colours",
    "size_preset": "Social square",
    "model": "limner-local",
}


async def publish(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/templates/manage")
    assert page.status_code == 200, page.text
    return await client.post(
        "/templates/manage", data={**SLIDE, **fields, "csrf_token": csrf_from(page.text)}
    )


async def template_id(client: httpx.AsyncClient) -> str:
    found = TEMPLATE_START.search((await client.get("/templates")).text)
    assert found
    return found.group(1)


@pytest.mark.parametrize("role", ["admin", "brand"])
async def test_admins_and_the_brand_role_publish(
    client: httpx.AsyncClient, components: Components, role: str
) -> None:
    await web_sign_in(client, components, [role])
    published = await publish(client)
    assert published.status_code == 303, published.text
    assert "Team slide" in (await client.get("/templates")).text
    assert "template.published" in await actions(components)


async def test_creators_use_templates_but_may_not_publish(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    assert (await client.get("/templates")).status_code == 200
    assert (await client.get("/templates/manage")).status_code == 403
    csrf = await home_csrf(client)
    refused = await client.post("/templates/manage", data={**SLIDE, "csrf_token": csrf})
    assert refused.status_code == 403


async def test_a_choice_that_fails_the_policy_refuses_publishing_with_the_findings(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    refused = await publish(
        client, variables="style: choice: watercolour | AKIAZ7Q3M2X9K4L6P8RT\nsubject: text"
    )
    assert refused.status_code == 400
    summary = html.unescape(refused.text.split('class="error-summary"', 1)[1].split("</ul>", 1)[0])
    assert "does not pass the prompt policy" in summary
    assert "AKIAZ7Q3M2X9K4L6P8RT" not in summary  # choices are named by position, excerpts masked
    assert "AKIAZ7Q3M2X9K4L6P8RT" in refused.text  # what was typed stays in the form
    assert re.search(r"With style choice 2: secret\.\S+ \(block\)", summary), summary
    assert "Team slide" not in (await client.get("/templates")).text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "A picture of {subject} and {mood}"}, "variables"),
        ({"variables": "style: choice: only one\nsubject: text"}, "variables"),
        ({"size_preset": "Billboard"}, "size_preset"),
        ({"model": "no-such-model"}, "model"),
        ({"name": ""}, "name"),
    ],
)
async def test_a_malformed_template_is_refused_on_its_field(
    client: httpx.AsyncClient, components: Components, fields: dict[str, str], field: str
) -> None:
    await web_sign_in(client, components, ["brand"])
    refused = await publish(client, **fields)
    assert refused.status_code == 400
    assert f'href="#{field}"' in refused.text


async def test_publishing_a_name_again_makes_a_new_version_and_retiring_hides_it(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["brand"])
    await publish(client)
    await publish(client, style="bold colours")
    listing = (await client.get("/templates")).text
    assert "Version 2" in listing
    assert listing.count("Start from Team slide") == 1
    manage = await client.get("/templates/manage")
    retired = await client.post(
        f"/templates/{await template_id(client)}/retire", data={"csrf_token": csrf_from(manage.text)}
    )
    assert retired.status_code == 303
    assert "Team slide" not in (await client.get("/templates")).text
    assert "template.retired" in await actions(components)


async def test_starting_from_a_template_fills_the_generate_form(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    await publish(client)
    tid = await template_id(client)
    started = await client.get(
        f"/templates/{tid}/start", params={"style": "flat vector", "subject": "a lighthouse"}
    )
    assert started.status_code == 200
    assert "A flat vector picture of a lighthouse, calm colours</textarea>" in started.text
    assert '<option value="1024x1024" selected>' in started.text  # "Social square" for this model
    assert 'action="/generate"' in started.text
    missing = await client.get(f"/templates/{tid}/start", params={"style": "flat vector"})
    assert missing.status_code == 400
    assert f'href="#{tid}-subject"' in missing.text
    tampered = await client.get(f"/templates/{tid}/start", params={"style": "photo", "subject": "x"})
    assert tampered.status_code == 400
