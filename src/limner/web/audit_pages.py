"""Audit pages: search the log (filters in the URL), export, checkpoints and the chain's status;
Verify: upload any image and see its provenance. Both call the audit and provenance APIs' own handlers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Response

from limner.audit import routes as audit_api
from limner.errors import InvalidRequestError, NotFoundError, UnavailableError
from limner.identity.schemas import Permission
from limner.provenance import routes as provenance_api
from limner.web.forms import FieldError
from limner.web.pages import Page, require_page
from limner.web.render import render
from limner.web.route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AuditorPage = Depends(require_page(Permission.AUDIT_READ))
VerifyPage = Depends(require_page(Permission.VERIFY))
PAGE_SIZE = 50


@router.get("/audit")
async def audit_search(
    page: Page = AuditorPage, user: str = "", action: str = "", since: str = "", until: str = ""
) -> Response:
    filters = {"user": user.strip(), "action": action.strip(), "since": since.strip(), "until": until.strip()}
    errors = [
        FieldError(k, "Enter a date as YYYY-MM-DD") for k in ("since", "until") if not _date_ok(filters[k])
    ]
    events: list[dict[str, Any]] = []
    if not errors:
        try:
            async with page.c.sessions() as session:
                found = await audit_api.list_events(
                    session, user=filters["user"] or None, action=filters["action"] or None,
                    since=_date(filters["since"]), until=_date(filters["until"]), limit=PAGE_SIZE,
                )  # fmt: skip
            events = found.data
        except NotFoundError as exc:
            errors = [FieldError("user", exc.message)]
    query = urlencode({k: v for k, v in filters.items() if v})
    return await render(
        page,
        "audit/search.html",
        status=400 if errors else 200,
        title="Audit log",
        events=events,
        filters=filters,
        errors=errors,
        export_query=query,
        can_export=page.user.can(Permission.AUDIT_EXPORT),
    )


@router.get("/audit/chain")
async def chain_status(page: Page = AuditorPage) -> Response:
    report = await audit_api.verify(page.c)
    async with page.c.sessions() as session:
        checkpoints = await audit_api.get_checkpoints(page.c, session)
    return await render(page, "audit/chain.html", title="Audit chain", report=report, checkpoints=checkpoints)


@router.get("/verify")
async def verify_form(page: Page = VerifyPage) -> Response:
    return await render(page, "verify/verify.html", title="Verify an image", report=None)


@router.post("/verify")
async def verify_upload(page: Page = VerifyPage) -> Response:
    try:
        async with page.c.sessions() as session:
            report = await provenance_api.verify_upload(page.request, page.c, session, page.user)
    except (InvalidRequestError, UnavailableError) as exc:
        return await render(
            page, "verify/verify.html", status=exc.status, title="Verify an image", report=None,
            errors=[FieldError("file", exc.message)],
        )  # fmt: skip
    return await render(page, "verify/verify.html", title="Verify an image", report=report)


def _date_ok(value: str) -> bool:
    try:
        _date(value)
    except ValueError:
        return False
    return True


def _date(value: str) -> datetime | None:
    return datetime.fromisoformat(value + "T00:00:00+00:00") if value else None
