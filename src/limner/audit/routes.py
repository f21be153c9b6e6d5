"""Auditor API: search events, export them (JSON lines or CSV), list checkpoints, verify the chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from limner.audit.checkpoints import checkpoint_json, list_checkpoints
from limner.audit.export import csv_header, csv_line, event_json, jsonl_line
from limner.audit.schemas import AuditAction, AuditEventPage, CheckpointList
from limner.audit.search import EventFilter, iter_events, resolve_user, search_events
from limner.audit.service import record
from limner.audit.signing import key_id
from limner.audit.verify import verify_log
from limner.components import Components
from limner.deps import STEP_UP, ComponentsDep, PrincipalDep, RequestIdDep, SessionDep, require
from limner.identity.schemas import Permission

router = APIRouter(prefix="/v1/limner/audit")
MAX_SEQ = 2**63 - 1  # the largest value a BIGINT column (and SQLite's INTEGER) holds
READ = [Depends(require(Permission.AUDIT_READ))]
EXPORT = [Depends(require(Permission.AUDIT_EXPORT)), STEP_UP]


@router.get("/events", dependencies=READ)
async def list_events(
    session: SessionDep,
    user: str | None = None,
    action: str | None = None,
    decision: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    limit: int = 100,
) -> AuditEventPage:
    f = EventFilter(await resolve_user(session, user), action, decision, since, until)
    rows, next_cursor = await search_events(session, f, cursor=cursor, limit=max(1, min(limit, 1000)))
    return AuditEventPage(data=[event_json(r) for r in rows], next_cursor=next_cursor)


@router.get("/export", dependencies=EXPORT)
async def export_events(
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    format: Literal["jsonl", "csv"] = "jsonl",
    user: str | None = None,
    action: str | None = None,
    decision: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Streamed from its own session: the export may outlive the request's transaction."""
    async with c.sessions.begin() as session:
        f = EventFilter(await resolve_user(session, user), action, decision, since, until)
        await record(
            session,
            action=AuditAction.AUDIT_EXPORTED,
            actor_id=principal.user_id,
            request_id=request_id,
            data={"format": format, "filter": _filter_json(f)},
        )
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    headers = {"content-disposition": f'attachment; filename="audit.{format}"'}
    return StreamingResponse(_stream(c, f, format), media_type=media, headers=headers)


async def _stream(c: Components, f: EventFilter, fmt: str) -> AsyncIterator[str]:
    if fmt == "csv":
        yield csv_header()
    async with c.sessions() as session:
        async for row in iter_events(session, f):
            yield csv_line(row) if fmt == "csv" else jsonl_line(row)


def _filter_json(f: EventFilter) -> dict[str, Any]:
    return {
        "user_id": f.user_id,
        "action": f.action,
        "decision": f.decision,
        "since": f.since.isoformat() if f.since else None,
        "until": f.until.isoformat() if f.until else None,
    }


@router.get("/checkpoints", dependencies=READ)
async def get_checkpoints(c: ComponentsDep, session: SessionDep) -> CheckpointList:
    public = c.audit_signer.public_key()
    rows = [checkpoint_json(r) for r in await list_checkpoints(session)]
    return CheckpointList(public_key=public.hex(), key_id=key_id(public), checkpoints=rows)


@router.get("/verify", dependencies=READ)
async def verify(c: ComponentsDep) -> dict[str, Any]:
    public = c.audit_signer.public_key()
    return (await verify_log(c.sessions, public_key=public)).as_json()
