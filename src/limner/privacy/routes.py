"""Privacy admin API (privacy.manage): data-subject export and erasure, legal holds, purge."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Depends, Response

from limner.db import utcnow
from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, RequestIdDep, SessionDep, require
from limner.identity.accounts.service import require_user
from limner.identity.schemas import Permission
from limner.privacy import approvals, flows, holds
from limner.privacy.flows import erase_user, export_user, purge_expired
from limner.privacy.holds import hold_json
from limner.privacy.schemas import HoldCreate, PurgeBody, SubjectBody

router = APIRouter(prefix="/v1/limner/privacy", dependencies=[Depends(require(Permission.PRIVACY_MANAGE))])


@router.post("/exports", dependencies=[STEP_UP])
async def create_export(
    body: SubjectBody, c: ComponentsDep, principal: PrincipalDep, request_id: RequestIdDep
) -> Response:
    buffer = io.BytesIO()
    await export_user(c, buffer, email=body.email, actor_id=principal.user_id, request_id=request_id)
    headers = {"content-disposition": 'attachment; filename="limner-export.zip"'}
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)


@router.post("/erasures", dependencies=[STEP_UP])
async def create_erasure(
    body: SubjectBody, c: ComponentsDep, principal: PrincipalDep, response: Response
) -> dict[str, object]:
    """Erase now, or (privacy.erasure_requires_approval) file a request a second person approves."""
    if not c.settings.privacy.erasure_requires_approval:
        return (await erase_user(c, email=body.email, actor_id=principal.user_id)).as_json()
    async with c.sessions.begin() as session:
        row = await approvals.request_erasure(
            session, secret_key=c.secret_key, email=body.email, actor_id=principal.user_id
        )
    response.status_code = 202
    return approvals.request_json(row)


@router.get("/erasures")
async def list_erasure_requests(session: SessionDep) -> dict[str, Any]:
    return {"data": [approvals.request_json(r) for r in await approvals.pending_requests(session)]}


@router.post("/erasures/{request_id}/approve", dependencies=[STEP_UP])
async def approve_erasure(request_id: str, c: ComponentsDep, principal: PrincipalDep) -> dict[str, object]:
    return await flows.approve_erasure(c, request_id=request_id, actor_id=principal.user_id)


@router.get("/holds")
async def list_holds(session: SessionDep, include_released: bool = False) -> dict[str, Any]:
    return {
        "data": [hold_json(h) for h in await holds.list_holds(session, include_released=include_released)]
    }


@router.post("/holds", status_code=201, dependencies=[STEP_UP])
async def add_hold(body: HoldCreate, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    user_id = (await require_user(session, email=body.user_email)).id if body.user_email else None
    hold = await holds.add_hold(
        session,
        scope=body.scope,
        reason=body.reason,
        actor_id=principal.user_id,
        user_id=user_id,
        group_name=body.group,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    return hold_json(hold)


@router.post("/holds/{hold_id}/release", dependencies=[STEP_UP])
async def release_hold(hold_id: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    return hold_json(await holds.release_hold(session, hold_id=hold_id, actor_id=principal.user_id))


@router.post("/purge", dependencies=[STEP_UP])
async def purge(body: PurgeBody, c: ComponentsDep) -> dict[str, Any]:
    return (await purge_expired(c, utcnow(), body.dry_run)).as_json()
