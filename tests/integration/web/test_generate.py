"""Generate page and prompt coach (integration, over ASGI). Unit tests of the coach's wording: tests/unit/web.
The browser tests in tests/e2e/browser drive the same pages in Chromium."""

from __future__ import annotations

import re

import httpx

from limner.components import Components
from tests.integration.web.conftest import home_csrf, web_sign_in

EMAIL_PROMPT = "a poster for the team party, send replies to jane.doe@example.com"


async def test_generate_page_has_labelled_controls_and_a_status_region(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    html = (await client.get("/")).text
    for label in ("Prompt", "Model", "Size", "Quality", "Count"):
        assert f">{label}</label>" in html
    assert 'role="status" aria-label="Prompt check"' in html
    assert ">Generate</button>" in html


async def test_coach_flags_an_email_and_offers_the_redacted_rewrite(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    response = await client.post("/coach", data={"prompt": EMAIL_PROMPT}, headers={"x-csrf-token": csrf})
    assert response.status_code == 200
    assert "an e-mail address" in response.text
    assert "personal data" in response.text  # why it matters
    assert "pii.email" in response.text  # the policy's rule
    assert 'data-rewrite="a poster for the team party, send replies to [PII_EMAIL]"' in response.text
    assert "jane.doe@example.com" not in response.text  # the excerpt is masked


async def test_coach_says_nothing_found_for_a_clean_prompt(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    response = await client.post(
        "/coach", data={"prompt": "a lighthouse at dusk"}, headers={"x-csrf-token": csrf}
    )
    assert "No problems found" in response.text


async def test_coach_needs_the_csrf_token(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.post("/coach", data={"prompt": EMAIL_PROMPT})
    assert response.status_code == 403


async def test_generate_shows_image_download_and_provenance(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    form = {"prompt": "a lighthouse at dusk", "model": "limner-local", "size": "256x256", "n": "1"}
    response = await client.post("/generate", data={**form, "csrf_token": csrf})
    assert response.status_code == 200, response.text
    assert "Download the signed file" in response.text
    assert "Watermark id" in response.text
    assert "Policy version" in response.text
    url = re.search(r'<img src="(/v1/images/files/[^"]+)"', response.text)
    assert url, response.text
    image = await client.get(url.group(1).replace("&amp;", "&"))
    assert image.status_code == 200
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"


async def test_generate_without_prompt_shows_error_summary(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    response = await client.post("/generate", data={"prompt": "  ", "size": "256x256", "csrf_token": csrf})
    assert response.status_code == 400
    assert "<title>Error: Generate" in response.text
    assert 'href="#prompt"' in response.text
    assert 'value="256x256" selected' in response.text  # nothing typed is lost


async def test_invalid_size_is_reported_on_the_size_field(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    data = {"prompt": "a kite", "model": "limner-local", "size": "7x7", "csrf_token": csrf}
    response = await client.post("/generate", data=data)
    assert response.status_code == 400
    assert 'href="#size"' in response.text
    assert "a kite" in response.text


async def test_blocked_prompt_is_explained_and_kept(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    prompt = "my key is AKIAZ7Q3M2X9K4L6P8RT draw it"
    response = await client.post("/generate", data={"prompt": prompt, "csrf_token": csrf})
    assert response.status_code == 400
    assert "blocked" in response.text.lower()
    assert prompt in response.text  # kept in the box, to fix rather than retype
