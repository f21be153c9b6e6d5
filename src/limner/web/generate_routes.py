"""The Generate page: prompt, model, size, quality and count; the result with its provenance; held prompts.

Without script the form posts to /generate and the reply is the page. With script it posts the same form
to /generate/stream: server-sent events carry the checked partial images while the model renders (where it
streams), then the very page /generate would have answered (result, hold or errors), which the script
puts in place. Both run the same pipeline (run_form)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Response
from starlette.datastructures import FormData
from starlette.responses import StreamingResponse

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.education.flows import is_exempt, status_for
from limner.errors import (
    ContentPolicyViolation,
    HeldForReview,
    InvalidRequestError,
    LimnerError,
    TrainingRequired,
)
from limner.gallery import sets
from limner.generation.backends.partials import PartialImage
from limner.generation.flows import (
    Lineage,
    TemplateOrigin,
    check_text,
    prepare_generation,
    run_generation,
    submit_generation,
)
from limner.generation.flows.streaming import PartialsForwarder, event, partials_until, retrieve_result
from limner.generation.schemas import GenerationOutcome
from limner.identity.schemas import Permission
from limner.imaging.actions import Action
from limner.imaging.catalog import FAMILIES, ModelSpec
from limner.imaging.requests import GenerationInput
from limner.review import service as review
from limner.templates import service as templates
from limner.templates.service import ORIGIN_PARAM, Published
from limner.web.forms import FieldError, raw_text, text
from limner.web.pages import Page, require_page
from limner.web.quota_routes import quota_for
from limner.web.render import render, render_error, render_fragment
from limner.web.results import ShownImage, shown_image, signed_image_url
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
GeneratePage = Depends(require_page(Permission.IMAGES_GENERATE))
FIELDS = {"prompt", "model", "size", "quality", "n"}
PARTIALS = 2  # partial images per image, where the model streams (the page shows them as they come)
Partials = asyncio.Queue[PartialImage]


def usable_models(page: Page) -> list[ModelSpec]:
    return [m for m in page.c.settings.generation.models if page.user.can_use_model(m.id)]


async def generate_page(page: Page, *, status: int = 200, **values: object) -> Response:
    """The page; a form started from a template (its version id in the form, or `from_template`) shows
    which one and carries its version to the next submit, while that version is still usable."""
    models = usable_models(page)
    sizes = sorted({s for m in models for s in FAMILIES[m.family].sizes})
    qualities = sorted({q for m in models for q in FAMILIES[m.family].qualities})
    n_max = max((FAMILIES[m.family].n_max for m in models), default=1)
    form = values.pop("form", {})
    if "from_template" not in values and isinstance(form, dict) and form.get(ORIGIN_PARAM):
        values["from_template"] = await _started_from(page, form[ORIGIN_PARAM])
    needs_training = not is_exempt(page.c, page.user) and not (await status_for(page.c, page.user)).complete
    return await render(
        page,
        "generate/generate.html",
        status=status,
        title="Generate",
        quota=await quota_for(page, form if isinstance(form, dict) else {}),
        models=models,
        sizes=sizes,
        qualities=qualities,
        n_max=n_max,
        form=form,
        needs_training=needs_training,
        **values,
    )


async def _started_from(page: Page, version_id: str) -> Published | None:
    try:
        async with page.c.sessions.begin() as session:
            return await templates.usable_version(session, version_id, usable_models(page))
    except InvalidRequestError:
        return None  # retired meanwhile: the form goes on without it


@router.post("/generate")
async def generate(page: Page = GeneratePage) -> Response:
    form = await page.request.form()
    return await run_form(page, _values(form), confirmed=bool(form.get("confirm_warning")))


@router.post("/generate/stream")
async def generate_stream(page: Page = GeneratePage) -> Response:
    form = await page.request.form()
    partials: Partials = asyncio.Queue()
    confirmed = bool(form.get("confirm_warning"))
    task = asyncio.create_task(run_form(page, _values(form), confirmed=confirmed, partials=partials))
    task.add_done_callback(retrieve_result)  # a browser that goes away leaves the generation to finish
    events = _page_events(page, partials, task)
    return StreamingResponse(events, media_type="text/event-stream", headers={"cache-control": "no-store"})


async def _page_events(page: Page, partials: Partials, task: asyncio.Task[Response]) -> AsyncIterator[bytes]:
    async for partial in partials_until(partials, task):
        yield b": keep-alive\n\n" if partial is None else event(_partial_body(partial))
    try:
        response = await task
    except LimnerError as exc:  # what WebRoute does for a page handler
        response = await render_error(page.request, exc)
    html = bytes(response.body).decode()
    yield event({"type": "page", "status": response.status_code, "html": html})


def _partial_body(partial: PartialImage) -> dict[str, object]:
    return {
        "type": "partial_image",
        "image_index": partial.index,
        "partial_image_index": partial.partial_index,
        "src": f"data:image/{partial.format};base64,{base64.b64encode(partial.data).decode()}",
    }


async def run_form(
    page: Page, values: dict[str, str], *, confirmed: bool, partials: Partials | None = None
) -> Response:
    """The Generate form's values through the pipeline; "Generate again" and the streamed form come here
    too (with `partials`: checked partial images go to that queue while the model renders)."""
    if not values["prompt"].strip():
        return await _failed(page, values, [FieldError("prompt", "Enter a prompt")])
    again_of = await _own_set(page, values.get("again_of", ""))
    try:
        template = await _template_origin(page, values.get(ORIGIN_PARAM, ""))
    except InvalidRequestError as exc:
        return await _failed(page, values, [FieldError(ORIGIN_PARAM, exc.message)])
    decision = await check_text(page.c, page.user, values["prompt"], stage="prompt")
    if decision.action is Action.WARN and not confirmed:
        return await _failed(page, values, [FieldError("confirm_warning", _warn_text(decision.categories))])
    try:
        outcome = await _submit(page, _input(values), Lineage(again_of=again_of, template=template), partials)
    except HeldForReview as held:
        return await generate_page(page, form=values, held=await _review(page, held.review_id))
    except TrainingRequired as exc:
        return await _failed(page, values, [FieldError("training", exc.message)])
    except (ContentPolicyViolation, InvalidRequestError) as exc:
        return await _failed(page, values, [_field_error(exc)])
    if decision.action is Action.WARN:
        await _record_confirmation(page, list(decision.categories), outcome.generation_id)
    images = [
        await shown_image(
            page.c, image_id=i.image_id, data=i.data, fmt=i.format, revised_prompt=i.revised_prompt
        )
        for i in outcome.images
    ]
    return await _result(page, values, images, outcome.generation_id, again_of)


async def _submit(
    page: Page, inp: GenerationInput, lineage: Lineage, partials: Partials | None
) -> GenerationOutcome:
    if partials is None:
        return await submit_generation(page.c, page.user, inp, request_id=page.request_id, lineage=lineage)
    p = await prepare_generation(page.c, page.user, inp, request_id=page.request_id, lineage=lineage)
    backend = PartialsForwarder(page.c, page.c.backends[p.spec.backend], PARTIALS, partials)
    return await run_generation(
        page.c, page.user, p.spec, p.opened, p.request, p.resolved.response_format, page.request_id, backend
    )


async def _own_set(page: Page, generation_id: str) -> str | None:
    """The set a re-generation joins: only one of the person's own generations starts a set."""
    if not generation_id:
        return None
    async with page.c.sessions.begin() as session:
        row = await sets.own_generation(session, generation_id, page.user.user_id)
    return sets.set_root(row) if row else None


async def _template_origin(page: Page, version_id: str) -> TemplateOrigin | None:
    """The template version the form was started from, checked now: a retired template or an unknown
    id is refused before anything is recorded."""
    if not version_id:
        return None
    async with page.c.sessions.begin() as session:
        published = await templates.usable_version(session, version_id, usable_models(page))
    return TemplateOrigin(published.template.id, published.version.id)


async def _result(
    page: Page, values: dict[str, str], images: list[ShownImage], generation_id: str, again_of: str | None
) -> Response:
    members: list[sets.SetMember] = []
    if again_of is not None:
        async with page.c.sessions.begin() as session:
            members = await sets.set_members(session, owner_id=page.user.user_id, root=again_of)
    urls = {i.id: signed_image_url(page.c, i.id) for m in members for i in m.images}
    return await generate_page(
        page, form=values, images=images, generation_id=generation_id, set_members=members, set_urls=urls
    )


async def _failed(page: Page, values: dict[str, str], errors: list[FieldError]) -> Response:
    return await generate_page(page, status=400, form=values, errors=errors)


def _values(form: FormData) -> dict[str, str]:
    values = {name: text(form, name) for name in FIELDS - {"prompt"}}
    values["prompt"] = raw_text(form, "prompt")
    values["again_of"] = text(form, "again_of")
    values[ORIGIN_PARAM] = text(form, ORIGIN_PARAM)
    return values


def _input(values: dict[str, str]) -> GenerationInput:
    n = values["n"]
    if n and not n.isdigit():
        raise InvalidRequestError("Count must be a whole number.", param="n")
    return GenerationInput(
        operation="generate",
        model=values["model"] or None,
        prompt=values["prompt"],
        n=int(n) if n else None,
        size=values["size"] or None,
        quality=values["quality"] or None,
        response_format="b64_json",
    )


def _field_error(exc: LimnerError) -> FieldError:
    field = exc.param if exc.param in FIELDS else "prompt"
    return FieldError(field, exc.message)


def _warn_text(categories: tuple[str, ...]) -> str:
    return (
        "Your prompt needs a second look (" + ", ".join(categories) + "). "
        "Read the prompt check, then tick the box to confirm you want to go on"
    )


async def _record_confirmation(page: Page, categories: list[str], generation_id: str) -> None:
    async with page.c.sessions.begin() as session:
        await record(
            session,
            action=AuditAction.PROMPT_WARNING_CONFIRMED,
            actor_id=page.user.user_id,
            subject_type="generation",
            subject_id=generation_id,
            request_id=page.request_id,
            data={"categories": categories},
        )


async def _review(page: Page, review_id: str) -> object:
    async with page.c.sessions.begin() as session:
        return await review.get_visible_item(session, review_id, page.user)


@router.get("/generate/reviews/{review_id}")
async def review_status(review_id: str, page: Page = GeneratePage) -> Response:
    """The held panel polls this until a reviewer decides."""
    return render_fragment(page, "generate/held.html", held=await _review(page, review_id))
