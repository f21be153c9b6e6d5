"""GET /v1/limner/reports/compliance: the compliance report as HTML, for the workspace (audit.read)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from limner.deps import SessionDep, SettingsDep, require
from limner.identity.permissions import Permission
from limner.usage.report import gather
from limner.usage.report_html import render
from limner.usage.stats import parse_period

router = APIRouter(prefix="/v1/limner/reports", dependencies=[Depends(require(Permission.AUDIT_READ))])


@router.get("/compliance", response_class=HTMLResponse)
async def compliance_report(session: SessionDep, settings: SettingsDep, period: str = "7d") -> HTMLResponse:
    span = parse_period(period)
    page = render(await gather(session, settings, span))
    # Charts are inline SVG and there is no script: forbid everything else.
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return HTMLResponse(page, headers={"content-security-policy": csp})
