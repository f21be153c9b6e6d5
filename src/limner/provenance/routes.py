"""POST /v1/limner/verify: is this image one of ours, and what do its credentials say?"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from limner.deps import ComponentsDep, PrincipalDep, SessionDep, require
from limner.errors import ConfigError, InvalidRequestError, UnavailableError
from limner.identity.schemas import Permission
from limner.provenance.records import complete_report
from limner.provenance.verify import VerifyReport

router = APIRouter(prefix="/v1/limner")


@router.post("/verify", dependencies=[Depends(require(Permission.VERIFY))])
async def verify_upload(
    request: Request, c: ComponentsDep, session: SessionDep, principal: PrincipalDep
) -> VerifyReport:
    data = await _upload(request, c.settings.provenance.max_bytes)
    try:
        verifier = c.verifier
    except ConfigError as exc:  # e.g. no watermark key: a deployment problem, not the caller's
        raise UnavailableError("Image verification is not configured on this server.") from exc
    report = await asyncio.to_thread(verifier.verify, data)
    report = await complete_report(session, report, secret_key=c.secret_key)
    if not principal.can(Permission.AUDIT_READ):
        report = report.model_copy(update={"creator": None})
    return report


async def _upload(request: Request, max_bytes: int) -> bytes:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequestError(
            "Upload the image as multipart/form-data in the field 'file'.", param="file"
        )
    form = await request.form(max_files=1, max_fields=2)
    try:
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise InvalidRequestError("Upload the image in the multipart field 'file'.", param="file")
        return await part.read(max_bytes + 1)
    finally:
        await form.close()
