"""Training pages: the task list, the acceptable-use policy to acknowledge, each module's lesson and quiz."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from limner.education import banners, modules, policies
from limner.education.flows import is_exempt, status_in
from limner.education.models import TrainingModule
from limner.education.schemas import AttemptResult
from limner.errors import ConflictError, InvalidRequestError
from limner.web.forms import FieldError, text
from limner.web.markdown import to_html
from limner.web.pages import Page, PageDep
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
STATUS_TEXT = {
    "not_started": "Not started",
    "failed": "Not passed yet",
    "passed": "Completed",
    "expired": "Take again",
}


@router.get("/training")
async def training_home(page: PageDep) -> Response:
    async with page.c.sessions() as session:
        status = await status_in(session, page.c, page.user)
    return await render(
        page,
        "training/index.html",
        title="Training",
        training=status,
        status_text=STATUS_TEXT,
        exempt=is_exempt(page.c, page.user),
    )


@router.get("/training/policy")
async def policy_page(page: PageDep) -> Response:
    return await _policy(page)


@router.post("/training/policy")
async def acknowledge_policy(page: PageDep) -> Response:
    form = await page.request.form()
    if form.get("agree") != "yes":
        return await _policy(page, errors=[FieldError("agree", "Confirm that you have read the policy")])
    try:
        version = int(text(form, "version"))
        async with page.c.sessions.begin() as session:
            await policies.acknowledge(
                session, user_id=page.user.user_id, version=version, actor_id=page.user.user_id
            )
    except (ValueError, ConflictError):
        message = "The policy changed while you were reading it. Read the current version"
        return await _policy(page, errors=[FieldError("agree", message)])
    return RedirectResponse("/training", status_code=303)


async def _policy(page: Page, errors: list[FieldError] | None = None) -> Response:
    async with page.c.sessions() as session:
        policy = await policies.current_policy(session)
    return await render(
        page,
        "training/policy.html",
        status=400 if errors else 200,
        title="Acceptable-use policy",
        policy=policy,
        body=to_html(policy.body) if policy else None,
        errors=errors or [],
    )


@router.get("/training/modules/{module_id}")
async def module_page(module_id: str, page: PageDep) -> Response:
    async with page.c.sessions() as session:
        row = await modules.get_module(session, module_id)
    return await _module(page, row, answers={})


@router.post("/training/modules/{module_id}")
async def submit_quiz(module_id: str, page: PageDep) -> Response:
    form = await page.request.form()
    async with page.c.sessions() as session:
        row = await modules.get_module(session, module_id)
    answers = _answers(form, row)
    missing = [q.id for q in modules.questions_of(row) if q.id not in answers]
    if missing:
        errors = [
            FieldError(f"answer-{q}-{_first_choice(row, q)}", f"Answer question {_number(row, q)}")
            for q in missing
        ]
        return await _module(page, row, answers=answers, errors=errors)
    try:
        async with page.c.sessions.begin() as session:
            result = await modules.submit_attempt(
                session, user_id=page.user.user_id, module_id=row.id, answers=answers
            )
    except InvalidRequestError as exc:
        return await _module(page, row, answers=answers, errors=[FieldError("quiz", exc.message)])
    return await _module(page, row, answers=answers if not result.passed else {}, result=result)


async def _module(
    page: Page,
    row: TrainingModule,
    *,
    answers: dict[str, str],
    errors: list[FieldError] | None = None,
    result: AttemptResult | None = None,
) -> Response:
    return await render(
        page,
        "training/module.html",
        status=400 if errors else 200,
        title=row.title,
        module=row,
        body=to_html(row.body),
        questions=modules.questions_of(row),
        answers=answers,
        errors=errors or [],
        result=result,
    )


def _answers(form: FormData, row: TrainingModule) -> dict[str, str]:
    return {
        q.id: text(form, f"answer-{q.id}") for q in modules.questions_of(row) if text(form, f"answer-{q.id}")
    }


def _first_choice(row: TrainingModule, question_id: str) -> str:
    question = next(q for q in modules.questions_of(row) if q.id == question_id)
    return question.choices[0].id


def _number(row: TrainingModule, question_id: str) -> int:
    return [q.id for q in modules.questions_of(row)].index(question_id) + 1


async def banner_context(page: Page) -> dict[str, object]:
    """Active announcements for the top of every signed-in page."""
    async with page.c.sessions() as session:
        rows = await banners.active_banners(session)
    shown = [
        {"title": "Important" if row.level == "important" else "Announcement", "html": to_html(row.message)}
        for row in rows
    ]
    return {"banners": shown}
