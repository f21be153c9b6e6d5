"""Admin pages for training content: publish a policy version, edit a module (YAML, checked by line and
field), announcements. The same education services as the admin API."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from limner.education import banners, modules, policies
from limner.education.models import TrainingModule
from limner.education.schemas import BannerCreate, ModuleUpdate, PolicyCreate
from limner.identity.schemas import Permission
from limner.web.forms import FieldError, raw_text, text
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ManagePage = Depends(require_page(Permission.EDUCATION_MANAGE))
OVERVIEW = frozenset({"title", "body", "message"})
EDITABLE = ("title", "summary", "pass_mark", "is_required", "is_active", "position", "body", "questions")


@router.get("/admin/training")
async def training_admin(page: Page = ManagePage) -> Response:
    return await _overview(page)


@router.post("/admin/training/policy")
async def publish_policy(page: Page = ManagePage) -> Response:
    form = await page.request.form()
    values = {"title": text(form, "title"), "body": raw_text(form, "body")}
    try:
        content = PolicyCreate(
            title=values["title"], body=values["body"], asks_again=form.get("asks_again") == "yes"
        )
    except ValidationError as exc:
        return await _overview(page, errors=field_errors(exc, default="title", inputs=OVERVIEW), form=values)
    async with page.c.sessions.begin() as session:
        await policies.publish_policy(session, content=content, actor_id=page.user.user_id)
    return RedirectResponse("/admin/training", status_code=303)


@router.post("/admin/training/banners")
async def create_banner(page: Page = ManagePage) -> Response:
    form = await page.request.form()
    try:
        content = BannerCreate(message=text(form, "message"), level=text(form, "level") or "info")
    except ValidationError as exc:
        errors = field_errors(exc, default="message", inputs=OVERVIEW)
        return await _overview(page, errors=errors, form={"message": text(form, "message")})
    async with page.c.sessions.begin() as session:
        await banners.create_banner(session, content=content, actor_id=page.user.user_id)
    return RedirectResponse("/admin/training", status_code=303)


@router.post("/admin/training/banners/{banner_id}/end")
async def end_banner(banner_id: str, page: Page = ManagePage) -> Response:
    async with page.c.sessions.begin() as session:
        await banners.end_banner(session, banner_id=banner_id, actor_id=page.user.user_id)
    return RedirectResponse("/admin/training", status_code=303)


@router.get("/admin/training/modules/{module_id}")
async def edit_module(module_id: str, page: Page = ManagePage) -> Response:
    async with page.c.sessions() as session:
        row = await modules.get_module(session, module_id, include_inactive=True)
    return await _editor(page, row, module_yaml(row))


@router.post("/admin/training/modules/{module_id}")
async def save_module(module_id: str, page: Page = ManagePage) -> Response:
    form = await page.request.form()
    source = raw_text(form, "content")
    async with page.c.sessions() as session:
        row = await modules.get_module(session, module_id, include_inactive=True)
    try:
        content = parse_module(source, retake=form.get("retake") == "yes")
    except (ValueError, ValidationError) as exc:
        errors = (
            field_errors(exc, default="content")
            if isinstance(exc, ValidationError)
            else [FieldError("content", str(exc))]
        )
        return await _editor(page, row, source, errors=errors)
    async with page.c.sessions.begin() as session:
        await modules.update_module(session, module_id=module_id, content=content, actor_id=page.user.user_id)
    return RedirectResponse("/admin/training", status_code=303)


def module_yaml(row: TrainingModule) -> str:
    data = {key: getattr(row, key) for key in EDITABLE}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def parse_module(source: str, *, retake: bool) -> ModuleUpdate:
    """YAML errors name their line; field errors name the field (questions.2.answer)."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ValueError(f"{where}{getattr(exc, 'problem', None) or 'this is not valid YAML'}") from exc
    if not isinstance(data, dict):
        raise ValueError("line 1: the module must be a mapping of title, body, questions, ...")
    return ModuleUpdate.model_validate({**data, "retake": retake})


def field_errors(
    exc: ValidationError, *, default: str, inputs: frozenset[str] = frozenset()
) -> list[FieldError]:
    """One message per problem, naming its field (questions.2.answer); linked to that input if the form
    has one, else to `default`."""
    out = []
    for error in exc.errors()[:10]:
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        target = str(error["loc"][0]) if error["loc"] and str(error["loc"][0]) in inputs else default
        out.append(FieldError(target, f"{where}: {message}" if where else message))
    return out


async def _overview(
    page: Page, *, errors: list[FieldError] | None = None, form: dict[str, str] | None = None
) -> Response:
    async with page.c.sessions() as session:
        versions = await policies.list_policies(session)
        rows = await modules.list_modules(session, include_inactive=True)
        shown = await banners.list_banners(session)
    values: dict[str, Any] = {
        "title": versions[0].title if versions else "",
        "body": versions[0].body if versions else "",
    }
    values.update(form or {})
    return await render(
        page, "admin/training.html", status=400 if errors else 200, title="Training content",
        versions=versions, modules=rows, banners_list=shown, errors=errors or [], form=values,
    )  # fmt: skip


async def _editor(
    page: Page, row: TrainingModule, source: str, *, errors: list[FieldError] | None = None
) -> Response:
    return await render(
        page, "admin/module.html", status=400 if errors else 200, title=f"Edit {row.title}",
        module=row, source=source, errors=errors or [],
    )  # fmt: skip
