"""Integration tests (web pages over ASGI): admin pages answer a refusal with the page itself and the
field named — the audit search for an unknown person, the privacy team's erasure and hold for an
unknown email or without a reason — and the backends page shows an unavailable backend's reason."""

from __future__ import annotations

import httpx
import pytest

from limner.components import Components
from limner.errors import UpstreamError
from tests.integration.web.conftest import csrf_from, web_sign_in


async def test_an_audit_search_for_an_unknown_person_names_the_field(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["auditor"])
    response = await client.get("/audit", params={"user": "nobody@example.com"})
    assert response.status_code == 400
    assert 'href="#user"' in response.text
    assert "Traceback" not in response.text


async def test_the_backends_page_shows_why_a_backend_is_unavailable(
    client: httpx.AsyncClient, components: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> None:
        raise UpstreamError("The image provider answered HTTP 503.")

    monkeypatch.setattr(components.backends["fake"], "check", down)
    await web_sign_in(client, components, ["admin"])
    page = await client.get("/admin/backends")
    assert page.status_code == 200
    assert "unavailable" in page.text
    assert "The image provider answered HTTP 503." in page.text
    assert "limner-local" in page.text


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("/admin/privacy/erasures", {"email": "nobody@example.com"}, "requests"),
        ("/admin/privacy/holds", {"hold_email": "nobody@example.com", "reason": "matter 7"}, "hold_email"),
    ],
    ids=["erasure", "hold"],
)
async def test_privacy_actions_for_an_unknown_email_name_the_field(
    client: httpx.AsyncClient, components: Components, path: str, form: dict[str, str], field: str
) -> None:
    await web_sign_in(client, components, ["privacy"])
    token = csrf_from((await client.get("/admin/privacy")).text)
    response = await client.post(path, data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text
    assert "Traceback" not in response.text


async def test_a_hold_without_a_reason_names_the_reason_and_keeps_the_email(
    client: httpx.AsyncClient, components: Components
) -> None:
    email, _ = await web_sign_in(client, components, ["privacy"])
    token = csrf_from((await client.get("/admin/privacy")).text)
    response = await client.post(
        "/admin/privacy/holds", data={"hold_email": email, "reason": "", "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'href="#reason"' in response.text
    assert f'value="{email}"' in response.text
