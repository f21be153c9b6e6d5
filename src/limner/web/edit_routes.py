"""The editor: paint (or type) the area of one's own image to change, describe the change, and run it
through the same edits flow as /v1/images/edits. The result is a new image linked to its parent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse

from limner.errors import HeldForReview, InvalidRequestError, LimnerError, NotFoundError
from limner.gallery import service as gallery
from limner.generation.flows import Lineage, submit_generation
from limner.identity.schemas import Permission
from limner.imaging.catalog import FAMILIES, ModelSpec
from limner.imaging.decoding import load_upload
from limner.imaging.records import Generation, ImageRecord
from limner.imaging.requests import GenerationInput
from limner.provenance.base import SourceImage
from limner.review import service as review
from limner.vault.service import existing_data_key, get_sealed
from limner.web.forms import FieldError, raw_text, text
from limner.web.masks import RECT_FIELDS, build_mask, decode_painted, parse_rect
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.results import signed_image_url
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
EditPage = Depends(require_page(Permission.IMAGES_EDIT))
MAX_SOURCE_BYTES = 64 * 1024 * 1024
FIELDS = {"prompt", "model", "mask", *RECT_FIELDS}


@dataclass(frozen=True, slots=True)
class Source:
    """One's own image, about to be edited."""

    image: ImageRecord
    generation: Generation
    url: str


@router.get("/gallery/{image_id}/edit")
async def edit_page(image_id: str, page: Page = EditPage) -> Response:
    source = await _own_image(page, image_id)
    return await _editor(page, source, form={"model": source.generation.model})


@router.post("/gallery/{image_id}/edit")
async def apply_edit(image_id: str, page: Page = EditPage) -> Response:
    source = await _own_image(page, image_id)
    form = await page.request.form()
    values = {name: text(form, name) for name in FIELDS - {"prompt"}} | {"prompt": raw_text(form, "prompt")}
    if not values["prompt"].strip():
        return await _editor(page, source, form=values, errors=[FieldError("prompt", "Enter a prompt")])
    try:
        new_image_id = await _run_edit(page, source, values)
    except HeldForReview as held:
        async with page.c.sessions.begin() as session:
            item = await review.get_visible_item(session, held.review_id, page.user)
        return await _editor(page, source, form=values, held=item)
    except LimnerError as exc:
        if exc.status >= 500:
            raise
        return await _editor(page, source, form=values, errors=[_field_error(exc)])
    return RedirectResponse(f"/gallery/{new_image_id}?edited=1", status_code=303)


async def _run_edit(page: Page, source: Source, values: dict[str, str]) -> str:
    """The edits flow on the stored file; the result names it as its parent (record and C2PA)."""
    signed = await _signed_file(page, source.image)
    inp = await _edit_input(page, source, values, signed)
    origin = SourceImage(source.image.id, signed, source.image.format)
    lineage = Lineage(source=origin)
    outcome = await submit_generation(page.c, page.user, inp, request_id=page.request_id, lineage=lineage)
    return outcome.images[0].image_id


async def _own_image(page: Page, image_id: str) -> Source:
    """Only the owner may edit: anyone else gets the same 404 as for an image that does not exist."""
    async with page.c.sessions.begin() as session:
        image, generation = await gallery.image_with_generation(session, image_id)
    if image.owner_id != page.user.user_id:
        raise NotFoundError("No such image.")
    return Source(image, generation, signed_image_url(page.c, image.id))


async def _edit_input(page: Page, source: Source, values: dict[str, str], signed: bytes) -> GenerationInput:
    image = source.image
    rect = parse_rect(values, image.width, image.height)
    painted = await asyncio.to_thread(decode_painted, values["mask"])
    mask = await asyncio.to_thread(build_mask, painted, rect, image.width, image.height)
    spec = _model(page, values["model"] or source.generation.model)
    return GenerationInput(
        operation="edit",
        model=spec.id,
        prompt=values["prompt"],
        n=1,
        size=_size(spec, image),
        response_format="b64_json",
        images=(await asyncio.to_thread(load_upload, signed, field="image", max_bytes=MAX_SOURCE_BYTES),),
        mask=mask,
    )


async def _signed_file(page: Page, image: ImageRecord) -> bytes:
    """The stored file as delivered (watermark and credentials in it), decrypted with the owner's key."""
    async with page.c.sessions.begin() as session:
        key = await existing_data_key(session, page.c.key_provider, owner_id=image.owner_id)
    if key is None:
        raise NotFoundError("No such image.")
    return await get_sealed(page.c.blob_store, key, owner_id=image.owner_id, blob_id=image.id)


def edit_models(page: Page) -> list[ModelSpec]:
    """The models this person may use that can edit images."""
    return [
        m
        for m in page.c.settings.generation.models
        if "edit" in FAMILIES[m.family].operations and page.user.can_use_model(m.id)
    ]


def _model(page: Page, model_id: str) -> ModelSpec:
    models = edit_models(page)
    chosen = next((m for m in models if m.id == model_id), None)
    if chosen is None and not models:
        raise InvalidRequestError("No model you may use can edit images", param="model")
    return chosen or models[0]


def _size(spec: ModelSpec, image: ImageRecord) -> str | None:
    size = f"{image.width}x{image.height}"
    return size if size in FAMILIES[spec.family].sizes else None


def _field_error(exc: LimnerError) -> FieldError:
    field = exc.param if exc.param in FIELDS else "prompt"
    return FieldError(field, exc.message.rstrip("."))


async def _editor(page: Page, source: Source, *, status: int | None = None, **values: object) -> Response:
    errors = values.get("errors") or []
    return await render(
        page,
        "gallery/edit.html",
        status=status or (400 if errors else 200),
        title="Edit image",
        source=source,
        models=edit_models(page),
        **values,
    )
