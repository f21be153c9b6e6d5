"""Integration tests (over ASGI): what the editor does when an edit cannot run at once: no prompt, a
prompt the policy holds for review or blocks, a model that cannot edit. Nothing is half-written: no
edit generation is stored for a refusal. Twin: tests/unit/web/test_masks.py."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from limner.components import Components
from limner.imaging.actions import Action
from limner.imaging.catalog import FAMILIES
from limner.imaging.records import Generation, ImageRecord
from limner.review.models import ReviewItem
from tests.factories import FixedPolicy
from tests.integration.web.test_edit import generated_image, mask_field


async def edit_generations(c: Components) -> list[Generation]:
    async with c.sessions() as session:
        query = select(Generation).where(Generation.operation == "edit")
        return list((await session.execute(query)).scalars())


async def test_a_blank_prompt_is_refused_on_the_page_keeping_the_mask(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    mask = mask_field()
    refused = await client.post(
        f"/gallery/{parent_id}/edit", data={"prompt": "  \n ", "mask": mask, "csrf_token": csrf}
    )
    assert refused.status_code == 400
    assert 'href="#prompt"' in refused.text
    assert "Enter a prompt" in refused.text
    assert await edit_generations(components) == []


async def test_a_blocked_edit_prompt_is_refused_on_the_page_and_nothing_is_made(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    components.policy = FixedPolicy(Action.BLOCK, ("harm.violence",))
    form = {"prompt": "add a weapon", "mask": mask_field(), "csrf_token": csrf}
    refused = await client.post(f"/gallery/{parent_id}/edit", data=form)
    assert refused.status_code == 400
    assert 'href="#prompt"' in refused.text
    assert "add a weapon" in refused.text  # what was typed stays in the form
    async with components.sessions() as session:
        outputs = (await session.execute(select(ImageRecord).where(ImageRecord.role == "output"))).scalars()
        assert [image.id for image in outputs] == [parent_id]


async def test_a_held_edit_shows_the_review_status_and_keeps_the_parent(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    components.policy = FixedPolicy(Action.REVIEW, ("ip.trademark",))
    form = {"prompt": "a fizzy drink can on the table", "mask": mask_field(), "csrf_token": csrf}
    held = await client.post(f"/gallery/{parent_id}/edit", data=form)
    assert held.status_code == 200, held.text
    assert "Waiting for review" in held.text
    [generation] = await edit_generations(components)
    assert generation.status == "held"
    assert generation.parent_image_id == parent_id
    async with components.sessions() as session:
        items = list((await session.execute(select(ReviewItem))).scalars())
    assert [item.generation_id for item in items] == [generation.id]


async def test_a_model_that_cannot_edit_falls_back_to_one_that_can(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    form = {"prompt": "a moon", "model": "dall-e-3", "mask": mask_field(), "csrf_token": csrf}
    done = await client.post(f"/gallery/{parent_id}/edit", data=form)
    assert done.status_code == 303, done.text
    [generation] = await edit_generations(components)
    editors = [m.id for m in components.settings.generation.models if "edit" in FAMILIES[m.family].operations]
    assert generation.model == editors[0]
    assert "dall-e-3" not in editors
