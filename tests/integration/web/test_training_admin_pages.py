"""Training content admin pages (integration, over ASGI): publish a policy version, edit a module as YAML
with errors by line and field, announcements. The admin API twin: tests/integration/education/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from limner.components import Components, build_components
from limner.education.seed import install_defaults
from limner.settings import Settings
from tests.conftest import create_schema, make_settings
from tests.integration.identity.conftest import identity_overrides
from tests.integration.web.conftest import csrf_from, web_sign_in

MODULE = "/admin/training/modules/responsible-use"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, **identity_overrides(), education={"required": True})


@pytest.fixture
async def components(settings: Settings) -> AsyncIterator[Components]:
    c = build_components(settings)
    await create_schema(c.engine)
    async with c.sessions.begin() as session:
        await install_defaults(session)
    yield c
    await c.aclose()


async def test_publish_a_policy_version(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["admin"])
    page = await client.get("/admin/training")
    assert "Acceptable use of image generation" in page.text
    csrf = csrf_from(page.text)
    empty = await client.post("/admin/training/policy", data={"csrf_token": csrf, "title": "AUP", "body": ""})
    assert empty.status_code == 400
    assert 'href="#body"' in empty.text
    data = {"csrf_token": csrf, "title": "AUP 2", "body": "# Rules\n\nNew.", "asks_again": "yes"}
    assert (await client.post("/admin/training/policy", data=data)).status_code == 303
    assert "<td>2</td><td>AUP 2</td>" in (await client.get("/admin/training")).text


async def test_module_yaml_errors_name_the_line_and_the_field(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["admin"])
    editor = await client.get(MODULE)
    csrf = csrf_from(editor.text)
    assert "pass_mark: 4" in editor.text
    broken = await client.post(MODULE, data={"csrf_token": csrf, "content": "title: x\n  body: [unclosed\n"})
    assert broken.status_code == 400
    assert "line 2" in broken.text
    source = (await client.get(MODULE)).text.split('name="content"')[1]
    yaml_text = source.split(">", 1)[1].split("</textarea>")[0].replace("&#39;", "'").replace("&#34;", '"')
    wrong = yaml_text.replace("answer: b", "answer: z", 1)
    bad_field = await client.post(MODULE, data={"csrf_token": csrf, "content": wrong})
    assert bad_field.status_code == 400
    assert "questions.0: " in bad_field.text
    assert "the answer &#39;z&#39; is not one of its choices" in bad_field.text
    renamed = yaml_text.replace("title: Using image generation responsibly", "title: Responsible use", 1)
    saved = await client.post(MODULE, data={"csrf_token": csrf, "content": renamed})
    assert saved.status_code == 303
    assert "Responsible use</a>" in (await client.get("/admin/training")).text


async def test_announcement_shows_and_ends(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["admin"])
    csrf = csrf_from((await client.get("/admin/training")).text)
    data = {"csrf_token": csrf, "message": "Policy v2 from Monday", "level": "important"}
    assert (await client.post("/admin/training/banners", data=data)).status_code == 303
    page = (await client.get("/training")).text
    assert "Policy v2 from Monday" in page
    banner_id = (
        page.split("/admin/training/banners/")[1].split("/")[0]
        if "/admin/training/banners/" in page
        else None
    )
    overview = (await client.get("/admin/training")).text
    banner_id = overview.split('action="/admin/training/banners/')[1].split("/end")[0]
    assert (
        await client.post(f"/admin/training/banners/{banner_id}/end", data={"csrf_token": csrf})
    ).status_code == 303
    assert "Policy v2 from Monday" not in (await client.get("/training")).text


async def test_creators_cannot_edit_training(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    assert (await client.get("/admin/training")).status_code == 403
