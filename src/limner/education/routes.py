"""The learner's training API: my status, the current policy and its acknowledgement, modules and quizzes."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from limner.deps import ComponentsDep, PrincipalDep, SessionDep, require
from limner.education import banners, modules, policies
from limner.education.flows import status_for, status_in
from limner.education.models import Banner, TrainingModule, UsePolicyVersion
from limner.education.schemas import (
    AcknowledgeBody,
    AttemptBody,
    AttemptResult,
    BannerRead,
    ModuleRead,
    PolicyRead,
    QuizChoice,
    QuizQuestion,
    TrainingStatus,
)
from limner.errors import NotFoundError
from limner.identity.schemas import AUTHENTICATED

router = APIRouter(prefix="/v1/limner", dependencies=[Depends(require(AUTHENTICATED))])


@router.get("/training")
async def get_training_status(c: ComponentsDep, principal: PrincipalDep) -> TrainingStatus:
    return await status_for(c, principal)


@router.get("/training/policy")
async def get_current_policy(session: SessionDep) -> PolicyRead:
    policy = await policies.current_policy(session)
    if policy is None:
        raise NotFoundError("No acceptable-use policy has been published.")
    return policy_read(policy)


@router.post("/training/policy/acknowledgements", status_code=201)
async def acknowledge_policy(
    body: AcknowledgeBody, session: SessionDep, principal: PrincipalDep
) -> dict[str, int]:
    await policies.acknowledge(
        session, user_id=principal.user_id, version=body.version, actor_id=principal.user_id
    )
    return {"version": body.version}


@router.get("/training/modules/{module_id}")
async def get_module(
    module_id: str, c: ComponentsDep, session: SessionDep, principal: PrincipalDep
) -> ModuleRead:
    row = await modules.get_module(session, module_id)
    status = await status_in(session, c, principal)
    word = next((m.status for m in status.modules if m.id == row.id), "not_started")
    return module_read(row, word)


@router.post("/training/modules/{module_id}/attempts", status_code=201)
async def submit_attempt(
    module_id: str, body: AttemptBody, session: SessionDep, principal: PrincipalDep
) -> AttemptResult:
    return await modules.submit_attempt(
        session, user_id=principal.user_id, module_id=module_id, answers=body.answers
    )


@router.get("/banners")
async def list_active_banners(session: SessionDep) -> dict[str, list[BannerRead]]:
    return {"data": [banner_read(b) for b in await banners.active_banners(session)]}


def policy_read(row: UsePolicyVersion) -> PolicyRead:
    return PolicyRead(
        version=row.version,
        title=row.title,
        body=row.body,
        asks_again=row.asks_again,
        created_at=row.created_at,
    )


def module_read(row: TrainingModule, status: str) -> ModuleRead:
    questions = [
        QuizQuestion(id=q.id, text=q.text, choices=[QuizChoice(id=ch.id, text=ch.text) for ch in q.choices])
        for q in modules.questions_of(row)
    ]
    return ModuleRead(
        id=row.id,
        title=row.title,
        summary=row.summary,
        body=row.body,
        pass_mark=row.pass_mark,
        is_required=row.is_required,
        revision=row.revision,
        questions=questions,
        status=status,
    )


def banner_read(row: Banner) -> BannerRead:
    return BannerRead(
        id=row.id, message=row.message, level=row.level, starts_at=row.starts_at, ends_at=row.ends_at
    )
