"""Training pages (integration, over ASGI): task list, policy acknowledgement, quiz, banners.

The same rules through the JSON API: tests/integration/education/.
In Chromium: tests/e2e/browser/test_training.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from limner.components import Components, build_components
from limner.education.seed import install_defaults
from limner.settings import Settings
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller
from tests.integration.identity.conftest import identity_overrides
from tests.integration.web.conftest import csrf_from, web_sign_in

RIGHT = {"answer-q1": "b", "answer-q2": "b", "answer-q3": "c", "answer-q4": "a", "answer-q5": "a"}


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


async def test_task_list_policy_and_quiz_lead_to_generation(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    home = await client.get("/training")
    assert "Read the acceptable-use policy (version 1)" in home.text
    assert home.text.count("Not started") == 2
    policy = await client.get("/training/policy")
    assert "Keep personal and confidential data out of prompts" in policy.text
    csrf = csrf_from(policy.text)
    unticked = await client.post("/training/policy", data={"csrf_token": csrf, "version": "1"})
    assert unticked.status_code == 400
    assert "<title>Error: " in unticked.text
    assert 'href="#agree"' in unticked.text
    ticked = await client.post("/training/policy", data={"csrf_token": csrf, "version": "1", "agree": "yes"})
    assert (ticked.status_code, ticked.headers["location"]) == (303, "/training")
    quiz = await client.get("/training/modules/responsible-use")
    assert quiz.text.count('type="radio"') == 14
    assert "explanation" not in quiz.text
    passed = await client.post("/training/modules/responsible-use", data={"csrf_token": csrf, **RIGHT})
    assert "You passed" in passed.text
    assert "You have completed the training" in (await client.get("/training")).text


async def test_quiz_errors_and_wrong_answers_keep_what_was_chosen(
    client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["creator"])
    csrf = csrf_from((await client.get("/training/modules/responsible-use")).text)
    partial = await client.post(
        "/training/modules/responsible-use", data={"csrf_token": csrf, "answer-q1": "b"}
    )
    assert partial.status_code == 400
    assert 'href="#answer-q2-a"' in partial.text
    assert 'id="answer-q1-b" name="answer-q1" value="b" checked' in partial.text
    wrong = await client.post(
        "/training/modules/responsible-use",
        data={"csrf_token": csrf, **RIGHT, "answer-q1": "a", "answer-q3": "a"},
    )
    assert "Not passed yet" in wrong.text
    assert "Describe the scene, not a real person" in wrong.text
    assert "3 of 5" in wrong.text


async def test_the_quiz_needs_the_csrf_token(client: httpx.AsyncClient, components: Components) -> None:
    await web_sign_in(client, components, ["creator"])
    response = await client.post("/training/modules/responsible-use", data=RIGHT)
    assert response.status_code == 403


async def test_banner_shows_on_every_page(client: httpx.AsyncClient, components: Components) -> None:
    admin = await make_caller(components, roles=["admin"])
    await client.post(
        "/v1/limner/admin/banners",
        headers=admin.headers,
        json={"message": "New **policy** from Monday <script>x</script>", "level": "important"},
    )
    client.headers.pop("Authorization", None)
    await web_sign_in(client, components, ["creator"])
    html = (await client.get("/training")).text
    assert "<strong>policy</strong>" in html
    assert "<script>x</script>" not in html
    assert "Important" in html
