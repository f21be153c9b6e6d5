"""Training administration: policy versions, modules, recorded completions, banners, the completion report."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Response

from limner.deps import ComponentsDep, PrincipalDep, SessionDep, require
from limner.education import banners, modules, policies
from limner.education.models import TrainingModule
from limner.education.records import record_completion
from limner.education.report import CompletionReport, completion_report, report_csv
from limner.education.routes import banner_read, policy_read
from limner.education.schemas import (
    BannerCreate,
    BannerRead,
    ModuleAdminRead,
    ModuleCreate,
    ModuleUpdate,
    PolicyCreate,
    PolicyRead,
    RecordBody,
    RecordResult,
)
from limner.identity.schemas import Permission

router = APIRouter(prefix="/v1/limner/admin", dependencies=[Depends(require(Permission.EDUCATION_MANAGE))])
report_router = APIRouter(
    prefix="/v1/limner/admin", dependencies=[Depends(require(Permission.EDUCATION_REPORT))]
)


@router.get("/training/policies")
async def list_policies(session: SessionDep) -> dict[str, list[PolicyRead]]:
    return {"data": [policy_read(p) for p in await policies.list_policies(session)]}


@router.post("/training/policies", status_code=201)
async def publish_policy(body: PolicyCreate, session: SessionDep, principal: PrincipalDep) -> PolicyRead:
    return policy_read(await policies.publish_policy(session, content=body, actor_id=principal.user_id))


@router.get("/training/modules")
async def list_modules(session: SessionDep) -> dict[str, list[ModuleAdminRead]]:
    rows = await modules.list_modules(session, include_inactive=True)
    return {"data": [module_admin_read(m) for m in rows]}


@router.post("/training/modules", status_code=201)
async def create_module(body: ModuleCreate, session: SessionDep, principal: PrincipalDep) -> ModuleAdminRead:
    return module_admin_read(await modules.create_module(session, content=body, actor_id=principal.user_id))


@router.put("/training/modules/{module_id}")
async def update_module(
    module_id: str, body: ModuleUpdate, session: SessionDep, principal: PrincipalDep
) -> ModuleAdminRead:
    row = await modules.update_module(session, module_id=module_id, content=body, actor_id=principal.user_id)
    return module_admin_read(row)


@router.post("/training/records", status_code=201)
async def record_training(body: RecordBody, session: SessionDep, principal: PrincipalDep) -> RecordResult:
    return await record_completion(
        session, email=body.email, module_id=body.module_id, everything=body.all, actor_id=principal.user_id
    )


@router.get("/banners")
async def list_banners(session: SessionDep) -> dict[str, list[BannerRead]]:
    return {"data": [banner_read(b) for b in await banners.list_banners(session)]}


@router.post("/banners", status_code=201)
async def create_banner(body: BannerCreate, session: SessionDep, principal: PrincipalDep) -> BannerRead:
    return banner_read(await banners.create_banner(session, content=body, actor_id=principal.user_id))


@router.post("/banners/{banner_id}/end")
async def end_banner(banner_id: str, session: SessionDep, principal: PrincipalDep) -> BannerRead:
    return banner_read(await banners.end_banner(session, banner_id=banner_id, actor_id=principal.user_id))


@report_router.get("/training/report", response_model=None)
async def get_report(
    c: ComponentsDep, session: SessionDep, format: Literal["json", "csv"] = "json"
) -> CompletionReport | Response:
    report = await completion_report(session, cfg=c.settings.education)
    if format == "csv":
        headers = {"content-disposition": 'attachment; filename="limner-training.csv"'}
        return Response(report_csv(report), media_type="text/csv", headers=headers)
    return report


def module_admin_read(row: TrainingModule) -> ModuleAdminRead:
    return ModuleAdminRead(
        id=row.id,
        title=row.title,
        summary=row.summary,
        body=row.body,
        questions=modules.questions_of(row),
        pass_mark=row.pass_mark,
        is_required=row.is_required,
        is_active=row.is_active,
        position=row.position,
        revision=row.revision,
        min_revision=row.min_revision,
        updated_at=row.updated_at,
    )
