"""Usage API (usage.read), the compliance report page (audit.read) and GET /metrics (metrics).

/metrics is Prometheus text exposition in two parts: this process's counters and histograms (requests,
pipeline stages, policy decisions, upstream calls, image checks; kept in memory, no query per request),
and cluster-wide gauges read from the shared database once per scrape (audit sink backlog, review queue
depth and age, alerts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from limner.db import reading, utcnow
from limner.deps import ComponentsDep, SessionDep, SettingsDep, require
from limner.identity.schemas import Permission
from limner.observe import Instruments
from limner.usage.metrics import cluster_gauges
from limner.usage.report import gather
from limner.usage.report_html import render
from limner.usage.stats import Dimension, parse_period, usage

router = APIRouter(prefix="/v1/limner/usage", dependencies=[Depends(require(Permission.USAGE_READ))])
report_router = APIRouter(prefix="/v1/limner/reports", dependencies=[Depends(require(Permission.AUDIT_READ))])
metrics_router = APIRouter()


@router.get("")
async def get_usage(
    session: SessionDep,
    settings: SettingsDep,
    by: Dimension = "user",
    since: str = "30d",
    until: datetime | None = None,
    daily: bool = False,
) -> dict[str, Any]:
    """`since` is a period back from now (30d, 12h); `daily` splits each row per UTC day."""
    end = (until if until.tzinfo else until.replace(tzinfo=UTC)) if until else utcnow()
    start = end - parse_period(since)
    rows = await usage(
        session, by=by, since=start, until=end, catalog=settings.generation.models, daily=daily
    )
    return {"by": by, "since": start, "until": end, "data": [r.as_dict() for r in rows]}


@report_router.get("/compliance", response_class=HTMLResponse)
async def compliance_report(session: SessionDep, settings: SettingsDep, period: str = "7d") -> HTMLResponse:
    span = parse_period(period)
    data = await gather(session, span, catalog=settings.generation.models, education=settings.education)
    # Charts are inline SVG and there is no script: forbid everything else.
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return HTMLResponse(render(data), headers={"content-security-policy": csp})


@metrics_router.get("/metrics", dependencies=[Depends(require(Permission.METRICS))])
async def metrics(request: Request, c: ComponentsDep) -> Response:
    async with reading(c.sessions) as session:
        registry = await cluster_gauges(session, audit_sinks=list(c.settings.audit.sinks))
    instruments: Instruments = request.app.state.instruments
    body = generate_latest(instruments.registry) + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
