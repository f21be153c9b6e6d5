"""The editor (integration, over ASGI): a painted or typed mask runs the edits flow and makes a new image
linked to its parent; only the owner may edit; a mask of the wrong size is refused on the page with
nothing lost. The mask helpers' own rules: tests/unit/web/test_masks.py."""

from __future__ import annotations

import base64
import io
import re

import httpx
from PIL import Image
from sqlalchemy import select

from limner.audit.models import AuditEvent
from limner.components import Components
from limner.imaging.records import Generation, ImageRecord
from tests.integration.web.conftest import home_csrf, web_sign_in

EDGE = 256


def mask_field(width: int = EDGE, height: int = EDGE) -> str:
    """What the canvas posts: opaque everywhere but a transparent top-left square (the area to change)."""
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def generated_image(client: httpx.AsyncClient, c: Components, roles: list[str]) -> tuple[str, str]:
    """Sign in, generate one image; returns (its id, the CSRF token)."""
    await web_sign_in(client, c, roles)
    csrf = await home_csrf(client)
    form = {"prompt": "a lighthouse at dusk", "model": "limner-local", "size": f"{EDGE}x{EDGE}", "n": "1"}
    response = await client.post("/generate", data={**form, "csrf_token": csrf})
    found = re.search(r"Image id</dt><dd><code>(\w+)</code>", response.text)
    assert found, response.text
    return found.group(1), csrf


async def test_editor_page_has_the_mask_the_tools_the_prompt_and_its_check(
    client: httpx.AsyncClient, components: Components
) -> None:
    image_id, _ = await generated_image(client, components, ["creator"])
    details = await client.get(f"/gallery/{image_id}")
    assert f'href="/gallery/{image_id}/edit">Edit</a>' in details.text
    html = (await client.get(f"/gallery/{image_id}/edit")).text
    assert 'id="mask-label">Mask</p>' in html
    assert 'role="img"' in html
    assert 'aria-labelledby="mask-label"' in html
    for label in ("Prompt", "Brush size", "Eraser", "From the left", "From the top", "Width", "Height"):
        assert f">{label}</label>" in html
    assert 'role="status" aria-label="Prompt check"' in html
    assert ">Apply edit</button>" in html
    assert "editor.js" in html


async def test_painted_mask_makes_a_new_image_linked_to_its_parent(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    form = {"prompt": "add a red boat", "mask": mask_field(), "csrf_token": csrf}
    response = await client.post(f"/gallery/{parent_id}/edit", data=form)
    assert response.status_code == 303, response.text
    new_id = response.headers["location"].split("/")[2].split("?")[0]
    assert new_id != parent_id
    page = await client.get(response.headers["location"])
    assert "Your edit is ready" in page.text
    assert f'<dt>Edited from</dt><dd><a href="/gallery/{parent_id}">' in page.text
    async with components.sessions() as session:
        image = await session.get(ImageRecord, new_id)
        assert image is not None
        generation = await session.get(Generation, image.generation_id)
        audit = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "image.edit.requested"))
        ).scalar_one()
    assert generation is not None
    assert (generation.operation, generation.parent_image_id) == ("edit", parent_id)
    assert audit.data["parent_image_id"] == parent_id
    assert "boat" not in str(audit.data)


async def test_rectangle_typed_as_numbers_is_enough_without_painting(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    rect = {"rect_x": "10", "rect_y": "20", "rect_width": "30", "rect_height": "40"}
    response = await client.post(
        f"/gallery/{parent_id}/edit", data={"prompt": "a moon", **rect, "csrf_token": csrf}
    )
    assert response.status_code == 303, response.text


async def test_someone_else_cannot_open_or_apply_an_edit_to_your_image(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, _ = await generated_image(client, components, ["creator"])
    await client.post("/signout", data={"csrf_token": await home_csrf(client)})
    await web_sign_in(client, components, ["creator"])
    csrf = await home_csrf(client)
    assert (await client.get(f"/gallery/{parent_id}/edit")).status_code == 404
    form = {"prompt": "a moon", "mask": mask_field(), "csrf_token": csrf}
    assert (await client.post(f"/gallery/{parent_id}/edit", data=form)).status_code == 404
    async with components.sessions() as session:
        edits = (await session.execute(select(Generation).where(Generation.operation == "edit"))).all()
    assert edits == []


async def test_mask_of_another_size_is_refused_on_the_page_keeping_what_was_typed(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    painted = mask_field(64, 64)
    rect = {"rect_x": "7", "rect_y": "0", "rect_width": "5", "rect_height": "5"}
    form = {"prompt": "add a red boat", "mask": painted, **rect, "csrf_token": csrf}
    response = await client.post(f"/gallery/{parent_id}/edit", data=form)
    assert response.status_code == 400
    assert "<title>Error: Edit image" in response.text
    assert 'href="#mask">The mask is 64x64 pixels but the image is 256x256' in response.text
    assert ">add a red boat</textarea>" in response.text
    assert f'value="{painted}"' in response.text  # the painted mask comes back to the canvas
    assert 'name="rect_x" class="short" type="number" min="0" inputmode="numeric" value="7"' in response.text


async def test_nothing_marked_asks_for_a_painted_area_or_a_rectangle(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    response = await client.post(f"/gallery/{parent_id}/edit", data={"prompt": "a moon", "csrf_token": csrf})
    assert response.status_code == 400
    assert "Paint the area to change, or enter a rectangle" in response.text


async def test_rectangle_outside_the_image_is_refused(
    client: httpx.AsyncClient, components: Components
) -> None:
    parent_id, csrf = await generated_image(client, components, ["creator"])
    rect = {"rect_x": "200", "rect_y": "0", "rect_width": "100", "rect_height": "10"}
    response = await client.post(
        f"/gallery/{parent_id}/edit", data={"prompt": "a moon", **rect, "csrf_token": csrf}
    )
    assert response.status_code == 400
    assert "The rectangle must fit inside the image (256x256 pixels)" in response.text
