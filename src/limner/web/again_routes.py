"""Generate again with the same settings, start the form from an earlier request's settings, and
compare images side by side. The re-run goes through the Generate page's own handler."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import InvalidRequestError, NotFoundError
from limner.gallery import service as gallery
from limner.gallery import sets, sharing
from limner.generation.service import open_prompt
from limner.identity.schemas import Permission
from limner.imaging.records import Generation
from limner.templates.service import ORIGIN_PARAM
from limner.vault.service import existing_data_key
from limner.web.generate_routes import generate_page, run_form
from limner.web.pages import Page, PageDep, require_page
from limner.web.render import render
from limner.web.results import signed_image_url
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
GeneratePage = Depends(require_page(Permission.IMAGES_GENERATE))
COMPARE_MAX = 8


@router.post("/generate/again/{generation_id}")
async def generate_again(generation_id: str, page: Page = GeneratePage) -> Response:
    """The same prompt and settings once more; the result joins the first request's set."""
    values = await _settings_of(page, generation_id, purpose="generate_again")
    return await run_form(page, values, confirmed=False)


@router.get("/generate/from/{generation_id}")
async def use_settings(generation_id: str, page: Page = GeneratePage) -> Response:
    """The Generate form filled in from an earlier request, to change before pressing Generate."""
    values = await _settings_of(page, generation_id, purpose="use_settings")
    return await generate_page(page, form=values)


async def _settings_of(page: Page, generation_id: str, *, purpose: str) -> dict[str, str]:
    async with page.c.sessions.begin() as session:
        row = await sets.own_generation(session, generation_id, page.user.user_id)
        key = await existing_data_key(session, page.c.key_provider, owner_id=page.user.user_id)
        prompt = open_prompt(row, key) if row is not None and key is not None else None
        if row is None or prompt is None:
            raise NotFoundError("No such request.")
        await record(
            session,
            action=AuditAction.PROMPT_REVEALED,
            actor_id=page.user.user_id,
            subject_type="generation",
            subject_id=row.id,
            request_id=page.request_id,
            data={"by_owner": True, "purpose": purpose},
        )
    return _form_values(row, prompt)


def _form_values(row: Generation, prompt: str) -> dict[str, str]:
    params = row.params
    return {
        "prompt": prompt,
        "model": row.model,
        "size": str(params.get("size") or ""),
        "quality": str(params.get("quality") or ""),
        "n": str(params.get("n") or 1),
        "again_of": sets.set_root(row),
        ORIGIN_PARAM: row.template_version_id or "",
    }


@router.get("/compare")
async def compare(page: PageDep, ids: list[str] = Query(default=[])) -> Response:
    """Two or more images one may see, side by side with their model, date and size."""
    chosen = list(dict.fromkeys(ids))[:COMPARE_MAX]
    if len(chosen) < 2:
        raise InvalidRequestError("Choose two or more images to compare.", param="ids")
    shown = []
    async with page.c.sessions.begin() as session:
        for image_id in chosen:
            image, generation = await gallery.image_with_generation(session, image_id)
            if not await sharing.may_view(session, image, page.user):
                raise NotFoundError("No such image.")
            shown.append((image, generation, signed_image_url(page.c, image.id)))
    return await render(page, "gallery/compare.html", title="Compare images", shown=shown)
