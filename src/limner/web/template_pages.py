"""Templates pages: everyone starts from an approved template in one click (the Generate form filled);
admins and the brand team publish versions, checked by the prompt policy, and retire them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from limner.errors import InvalidRequestError
from limner.identity.schemas import Permission
from limner.templates import service
from limner.templates.schemas import SIZE_PRESETS, TemplateDraft, format_variables, parse_variables
from limner.web.forms import FieldError, raw_text, text
from limner.web.generate_routes import generate_page, usable_models
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
UsePage = Depends(require_page(Permission.IMAGES_GENERATE))
ManagePage = Depends(require_page(Permission.TEMPLATES_MANAGE))
DRAFT_FIELDS = ("name", "description", "text", "style", "variables", "size_preset", "model")


@router.get("/templates")
async def template_list(page: Page = UsePage) -> Response:
    return await _list_page(page)


async def _list_page(page: Page, *, status: int = 200, **values: object) -> Response:
    async with page.c.sessions.begin() as session:
        found = await service.list_current(session)
    return await render(
        page,
        "templates/list.html",
        status=status,
        title="Templates",
        templates=found,
        may_manage=page.user.can(Permission.TEMPLATES_MANAGE),
        **values,
    )


@router.get("/templates/{template_id}/start")
async def start(template_id: str, page: Page = UsePage) -> Response:
    """The Generate page with the form filled from the template and the person's choices."""
    values = dict(page.request.query_params)
    models = usable_models(page)
    async with page.c.sessions.begin() as session:
        published = await service.get_current(session, template_id)
    try:
        chosen = service.start(published, values, models, models[0].id if models else "")
    except InvalidRequestError as exc:
        field = f"{template_id}-{exc.param}"
        return await _list_page(page, status=400, errors=[FieldError(field, exc.message)], chosen=values)
    form = {"prompt": chosen.prompt, "model": chosen.model, "size": chosen.size, "n": "1"}
    return await generate_page(page, form=form, from_template=published)


@router.get("/templates/manage")
async def manage(page: Page = ManagePage, edit: str = "") -> Response:
    form: dict[str, str] = {}
    if edit:
        async with page.c.sessions.begin() as session:
            current = await service.get_current(session, edit)
        v = current.version
        form = {
            "name": current.template.name,
            "description": v.description,
            "text": v.text,
            "style": v.style,
            "variables": format_variables(current.variables),
            "size_preset": v.size_preset or "",
            "model": v.model or "",
        }
    return await _manage_page(page, form=form)


async def _manage_page(page: Page, *, status: int = 200, **values: object) -> Response:
    async with page.c.sessions.begin() as session:
        found = await service.list_current(session)
    values.setdefault("form", {})
    return await render(
        page,
        "templates/manage.html",
        status=status,
        title="Manage templates",
        templates=found,
        presets=list(SIZE_PRESETS),
        models=page.c.settings.generation.models,
        **values,
    )


@router.post("/templates/manage")
async def publish(page: Page = ManagePage) -> Response:
    form = await page.request.form()
    values = {name: raw_text(form, name).strip() for name in DRAFT_FIELDS}
    try:
        draft = _draft(form)
        async with page.c.sessions.begin() as session:
            await service.publish(
                session,
                draft,
                policy=page.c.policy,
                models=page.c.settings.generation.models,
                actor_id=page.user.user_id,
                request_id=page.request_id,
            )
    except InvalidRequestError as exc:
        field = exc.param if exc.param in DRAFT_FIELDS else "text"
        errors = [FieldError(field, exc.message)]
        return await _manage_page(page, status=400, form=values, errors=errors)
    return RedirectResponse("/templates/manage?published=1", status_code=303)


def _draft(form: FormData) -> TemplateDraft:
    try:
        variables = parse_variables(raw_text(form, "variables"))
    except ValueError as exc:
        raise InvalidRequestError(str(exc), param="variables") from None
    try:
        return TemplateDraft(
            name=text(form, "name"),
            description=text(form, "description"),
            text=raw_text(form, "text").strip(),
            style=text(form, "style"),
            variables=variables,
            size_preset=text(form, "size_preset") or None,
            model=text(form, "model") or None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "text"
        raise InvalidRequestError(
            f"Check the {field.replace('_', ' ')}: {first['msg']}.", param=field
        ) from None


@router.post("/templates/{template_id}/retire")
async def retire(template_id: str, page: Page = ManagePage) -> Response:
    async with page.c.sessions.begin() as session:
        await service.retire(session, template_id, actor_id=page.user.user_id, request_id=page.request_id)
    return RedirectResponse("/templates/manage?retired=1", status_code=303)
