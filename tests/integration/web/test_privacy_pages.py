"""My data and the privacy team's page (integration, over ASGI): download my data, ask for erasure, the
request listed for the privacy team, erasure under step-up, legal holds.
The privacy API and CLI: tests/integration/privacy/."""

from __future__ import annotations

import io
import zipfile

import httpx

from limner.components import Components
from tests.integration.web.conftest import csrf_from, web_sign_in


async def test_download_my_data_and_ask_for_erasure(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    page = await client.get("/my-data")
    csrf = csrf_from(page.text)
    download = await client.post("/my-data/export", data={"csrf_token": csrf})
    assert download.headers["content-type"] == "application/zip"
    assert "user.json" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    unconfirmed = await client.post("/my-data/erasure", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 400
    assert 'href="#confirm"' in unconfirmed.text
    asked = await client.post("/my-data/erasure", data={"csrf_token": csrf, "confirm": "yes"})
    assert asked.status_code == 303
    assert "You asked for erasure on" in (await client.get("/my-data")).text


async def test_privacy_team_holds_then_erases_a_requester(components: Components, app: object) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as person,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as officer,
    ):
        email, _ = await web_sign_in(person, components, ["creator"])
        csrf = csrf_from((await person.get("/my-data")).text)
        await person.post("/my-data/erasure", data={"csrf_token": csrf, "confirm": "yes"})
        await web_sign_in(officer, components, ["privacy"])  # the privacy officer, not the auditor
        page = await officer.get("/admin/privacy")
        assert email in page.text
        token = csrf_from(page.text)
        hold = {"csrf_token": token, "hold_email": email, "reason": "matter 42"}
        assert (await officer.post("/admin/privacy/holds", data=hold)).status_code == 303
        held = await officer.post("/admin/privacy/erasures", data={"csrf_token": token, "email": email})
        assert held.status_code == 400
        assert "hold" in held.text
        hold_id = (
            (await officer.get("/admin/privacy")).text.split('action="/admin/privacy/holds/')[1].split("/")[0]
        )
        await officer.post(f"/admin/privacy/holds/{hold_id}/release", data={"csrf_token": token})
        erased = await officer.post("/admin/privacy/erasures", data={"csrf_token": token, "email": email})
        assert erased.status_code == 303
        assert email not in (await officer.get("/admin/privacy")).text


async def test_creators_cannot_open_the_privacy_page(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    assert (await client.get("/admin/privacy")).status_code == 403
