"""An image made from a template records the template version it came from (integration, over ASGI):
the Generate form carries the version, the server checks it when the form is sent (a retired template
or an unknown id is a form error that records nothing, as is a pinned model the person may not use),
the generation row and its audit event keep the ids, the image's details page and a held request's
review page name the template and version, and "my data" exports it.
Browser test: tests/e2e/browser/test_library.py."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.errors import InvalidRequestError
from limner.imaging.actions import Action
from limner.policy.engine import AllowAllPolicy
from limner.review.models import ReviewItem
from limner.templates import service as templates
from limner.templates.models import TemplateVersion
from tests.factories import FixedPolicy, make_caller
from tests.integration.web.conftest import csrf_from, web_sign_in
from tests.integration.web.test_gallery import IMAGE_LINK, second_client
from tests.integration.web.test_generate_again import generations
from tests.integration.web.test_review_pages import hold
from tests.integration.web.test_template_versions import retire
from tests.integration.web.test_templates import publish, template_id

CHOICES = {"style": "flat vector", "subject": "a lighthouse"}
PROMPT = "A flat vector picture of a lighthouse, calm colours"
CARRIED = re.compile(r'name="template_version" value="([0-9a-f]{32})"')


async def started_form(client: httpx.AsyncClient, tid: str) -> dict[str, str]:
    """The Generate form as "Start from" fills it (the prompt, model, size and the version it carries)."""
    started = await client.get(f"/templates/{tid}/start", params=CHOICES)
    assert started.status_code == 200, started.text
    assert f"{PROMPT}</textarea>" in started.text
    carried = CARRIED.search(started.text)
    assert carried, started.text
    return {
        "prompt": PROMPT,
        "model": "limner-local",
        "size": "256x256",  # the "Thumbnail" preset
        "n": "1",
        "template_version": carried.group(1),
        "csrf_token": csrf_from(started.text),
    }


@asynccontextmanager
async def creator_started(
    app: FastAPI, c: Components, tid: str
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A second person (role creator), signed in, with the Generate form started from template `tid`."""
    async with second_client(app) as creator:
        await web_sign_in(creator, c, ["creator"])
        yield creator, await started_form(creator, tid)


async def version_ids(c: Components) -> list[str]:
    async with c.sessions() as session:
        query = select(TemplateVersion.id).order_by(TemplateVersion.version)
        return list((await session.execute(query)).scalars())


async def requested_event(c: Components, generation_id: str) -> AuditEvent:
    async with c.sessions() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == "image.generate.requested", AuditEvent.subject_id == generation_id
        )
        return (await session.execute(query)).scalars().one()


def template_row(page: str) -> str:
    found = re.search(r"<dt>Template</dt><dd>(.*?)</dd>", page, re.S)
    assert found, page
    return " ".join(html.unescape(found.group(1)).split())


async def brand_template(client: httpx.AsyncClient, c: Components) -> str:
    """The brand team publishes "Team slide" (Thumbnail size); returns the template id."""
    await web_sign_in(client, c, ["brand"])
    assert (await publish(client, size_preset="Thumbnail")).status_code == 303
    return await template_id(client)


async def test_an_image_made_from_a_template_records_and_shows_its_version(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    tid = await brand_template(client, components)
    async with creator_started(app, components, tid) as (creator, form):
        [v1] = await version_ids(components)
        assert form["template_version"] == v1
        made = await creator.post("/generate", data=form)
        assert made.status_code == 200, made.text
        assert "Started from the template “Team slide” (version 1)" in made.text
        assert CARRIED.search(made.text)  # the form still carries it for the next press of Generate
        await publish(client, style="bold colours")  # version 2 does not change what was made from 1
        [row] = await generations(components)
        assert row.template_version_id == v1
        event = await requested_event(components, row.id)
        assert (event.data["template_id"], event.data["template_version_id"]) == (tid, v1)
        assert "lighthouse" not in event.data_json  # ids only, never the prompt
        image = IMAGE_LINK.search((await creator.get("/gallery")).text)
        assert image
        details = await creator.get(f"/gallery/{image.group(1)}")
        assert (
            template_row(details.text)
            == f'From template <a href="/templates#t-{tid}">Team slide</a>, version 1'
        )
        page = await creator.get("/my-data")
        export = await creator.post("/my-data/export", data={"csrf_token": csrf_from(page.text)})
        [exported] = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("generations.json"))
        assert exported["template"] == {
            "version_id": v1,
            "template_id": tid,
            "name": "Team slide",
            "version": 1,
        }


async def test_generate_again_keeps_the_version_until_the_template_is_retired(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    tid = await brand_template(client, components)
    async with creator_started(app, components, tid) as (creator, form):
        assert (await creator.post("/generate", data=form)).status_code == 200
        [first] = await generations(components)
        again = await creator.post(f"/generate/again/{first.id}", data={"csrf_token": form["csrf_token"]})
        assert again.status_code == 200, again.text
        assert [r.template_version_id for r in await generations(components)] == [
            first.template_version_id
        ] * 2
        assert (await retire(client, tid)).status_code == 303
        refused = await creator.post(f"/generate/again/{first.id}", data={"csrf_token": form["csrf_token"]})
        assert refused.status_code == 400
        assert "The template “Team slide” has been retired" in html.unescape(refused.text)
        assert len(await generations(components)) == 2
        image = IMAGE_LINK.search((await creator.get("/gallery")).text)
        assert image
        details = await creator.get(f"/gallery/{image.group(1)}")
        assert template_row(details.text) == "From template “Team slide”, version 1 (since retired)"


@pytest.mark.parametrize(
    ("carried", "message"),
    [
        ("retired", "The template “Team slide” has been retired"),
        ("0" * 32, "The template this form was started from is not known here"),
        ("<script>", "The template this form was started from is not known here"),
    ],
)
async def test_a_retired_or_unknown_version_is_a_form_error_that_records_nothing(
    client: httpx.AsyncClient, app: FastAPI, components: Components, carried: str, message: str
) -> None:
    tid = await brand_template(client, components)
    async with creator_started(app, components, tid) as (creator, form):
        if carried == "retired":
            assert (await retire(client, tid)).status_code == 303
        else:
            form["template_version"] = carried
        refused = await creator.post("/generate", data=form)
        assert refused.status_code == 400
        summary = html.unescape(refused.text.split('class="error-summary"', 1)[1].split("</ul>", 1)[0])
        assert 'href="#template_version"' in summary
        assert message in summary
        assert f"{PROMPT}</textarea>" in refused.text  # what was typed stays
        assert not CARRIED.search(refused.text)  # the form goes on without the template
        assert 'value="&lt;script&gt;"' not in refused.text
        assert await generations(components) == []
        form.pop("template_version")
        plain = await creator.post("/generate", data=form)
        assert plain.status_code == 200, plain.text
        assert [r.template_version_id for r in await generations(components)] == [None]


async def test_a_version_pinning_a_model_the_person_may_not_use_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    await brand_template(client, components)  # pins limner-local
    [v1] = await version_ids(components)
    local = [m for m in components.settings.generation.models if m.id == "limner-local"]
    async with components.sessions() as session:
        assert (await templates.usable_version(session, v1, local)).version.id == v1
        with pytest.raises(InvalidRequestError, match="uses the model limner-local") as refused:
            await templates.usable_version(session, v1, [])
    assert refused.value.param == "template_version"


async def review_ids(c: Components) -> list[str]:
    async with c.sessions() as session:
        query = select(ReviewItem.id).order_by(ReviewItem.created_at)
        return list((await session.execute(query)).scalars())


async def test_the_review_page_of_a_held_request_names_its_template_version(
    client: httpx.AsyncClient, app: FastAPI, components: Components
) -> None:
    tid = await brand_template(client, components)
    async with creator_started(app, components, tid) as (creator, form):
        components.policy = FixedPolicy(Action.REVIEW, ("ip.trademark",))
        held = await creator.post("/generate", data=form)
        assert "Held for review" in held.text, held.text
    components.policy = AllowAllPolicy()
    [from_template] = await review_ids(components)
    requester = await make_caller(components, roles=["creator"])
    plain = await hold(client, components, requester, ("ip.character",))
    await publish(client, style="bold colours")  # version 2 does not change what the held request came from
    await web_sign_in(client, components, ["reviewer"])
    item = await client.get(f"/review/{from_template}")
    assert item.status_code == 200, item.text
    assert template_row(item.text) == "From template “Team slide”, version 1"
    assert "lighthouse" not in item.text  # the prompt stays hidden until revealed
    other = await client.get(f"/review/{plain}")
    assert other.status_code == 200, other.text
    assert "<dt>Template</dt>" not in other.text
