"""The OpenAI-compatible Images API: /v1/images/* and /v1/models."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import FormData

from limner.components import Components
from limner.deps import ComponentsDep, PrincipalDep, RequestIdDep, SessionDep, require
from limner.errors import InvalidRequestError, NotFoundError
from limner.generation import service, urls
from limner.generation.flows import caller_warnings, prepare_generation, run_generation
from limner.generation.flows.streaming import stream_response
from limner.generation.forms import parse_form
from limner.generation.response_fields import response_fields, usage_body
from limner.generation.schemas import (
    GenerationBody,
    GenerationOutcome,
    ImagesResponse,
    ModelCard,
    ModelList,
)
from limner.identity.accounts.models import User
from limner.identity.schemas import AUTHENTICATED, Permission, Principal
from limner.imaging.actions import Action
from limner.imaging.requests import GenerationInput, Operation
from limner.imaging.responses import ImageData
from limner.vault.service import existing_data_key, get_sealed

router = APIRouter(prefix="/v1")
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@router.post(
    "/images/generations",
    response_model=ImagesResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(require(Permission.IMAGES_GENERATE))],
)
async def create_generation(
    body: GenerationBody,
    request: Request,
    response: Response,
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
) -> ImagesResponse | StreamingResponse:
    return await answer_json(body, request, response, c, principal, request_id)


@router.post(
    "/images/edits",
    response_model=ImagesResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(require(Permission.IMAGES_EDIT))],
)
async def create_edit(
    request: Request,
    response: Response,
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
) -> ImagesResponse | StreamingResponse:
    return await answer_multipart(request, response, c, principal, request_id, "edit")


@router.post(
    "/images/variations",
    response_model_exclude_none=True,
    dependencies=[Depends(require(Permission.IMAGES_EDIT))],
)
async def create_variation(
    request: Request,
    response: Response,
    c: ComponentsDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
) -> ImagesResponse:
    outcome = await answer_multipart(request, response, c, principal, request_id, "variation")
    assert isinstance(outcome, ImagesResponse)  # variations are never streamed
    return outcome


@router.get("/models", dependencies=[Depends(require(AUTHENTICATED))])
async def list_models(c: ComponentsDep, principal: PrincipalDep) -> ModelList:
    created = int(c.settings.data_dir.stat().st_mtime) if c.settings.data_dir.exists() else 0
    cards = [
        ModelCard(id=spec.id, created=created, owned_by=f"limner:{spec.backend}")
        for spec in c.settings.generation.models
        if principal.can_use_model(spec.id)
    ]
    return ModelList(data=cards)


@router.get("/images/files/{image_id}")
async def get_image_file(
    image_id: str, expires: int, signature: str, c: ComponentsDep, session: SessionDep
) -> Response:
    """Public, signed and expiring: the signature is the credential, so no API key is needed."""
    urls.check_signature(c.secret_key, image_id, expires, signature)
    record = await service.get_image(session, image_id)
    owner = await session.get(User, record.owner_id)
    if owner is None or owner.status != "active":  # suspended or erased: the link dies at once
        raise NotFoundError("No such image.")
    key = await existing_data_key(session, c.key_provider, owner_id=record.owner_id)
    if key is None:
        raise NotFoundError("No such image.")
    data = await get_sealed(c.blob_store, key, owner_id=record.owner_id, blob_id=record.id)
    return Response(data, media_type=MEDIA_TYPES.get(record.format, "application/octet-stream"))


async def answer_json(
    body: GenerationBody,
    request: Request,
    response: Response,
    c: Components,
    principal: Principal,
    request_id: str,
    *,
    model: str | None = None,
) -> ImagesResponse | StreamingResponse:
    """A JSON generation request (OpenAI's or Azure's, whose deployment names the `model`)."""
    inp = GenerationInput(operation="generate", **body.model_dump(exclude={"safety_identifier"}))
    return await answer(c, principal, replace(inp, model=model or inp.model), request, response, request_id)


async def answer_multipart(
    request: Request,
    response: Response,
    c: Components,
    principal: Principal,
    request_id: str,
    operation: Operation,
    *,
    model: str | None = None,
) -> ImagesResponse | StreamingResponse:
    """A multipart edit or variation (OpenAI's or Azure's, whose deployment names the `model`)."""
    form = await read_form(request)
    try:
        inp = await parse_form(form, operation=operation, max_bytes=c.settings.server.max_upload_bytes)
    finally:
        await form.close()
    return await answer(c, principal, replace(inp, model=model or inp.model), request, response, request_id)


async def answer(
    c: Components,
    principal: Principal,
    inp: GenerationInput,
    request: Request,
    response: Response,
    request_id: str,
) -> ImagesResponse | StreamingResponse:
    """Run the flow; a streamed request gets its events once every refusal has had its chance."""
    prepared = await prepare_generation(c, principal, inp, request_id=request_id)
    if prepared.resolved.stream:
        decision = prepared.opened.decision
        headers = prompt_headers(caller_warnings(decision), redacted=decision.action is Action.REDACT)
        return await stream_response(c, principal, prepared, request_id, headers)
    outcome = await run_generation(
        c,
        principal,
        prepared.spec,
        prepared.opened,
        prepared.request,
        prepared.resolved.response_format,
        request_id,
    )
    return _respond(c, outcome, request, response)


async def read_form(request: Request) -> FormData:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequestError("This endpoint takes multipart/form-data.", code="invalid_content_type")
    try:
        return await request.form(max_files=20, max_fields=40)
    except (ValueError, KeyError, AssertionError) as exc:
        raise InvalidRequestError(
            "The multipart body could not be parsed.", code="invalid_multipart"
        ) from exc


def _respond(
    c: ComponentsDep, outcome: GenerationOutcome, request: Request, response: Response
) -> ImagesResponse:
    request.state.upstream_ms = outcome.upstream_ms
    request.state.image_ms = outcome.image_ms
    request.state.model_ms = outcome.model_ms
    response.headers.update(prompt_headers(outcome.warnings, redacted=outcome.prompt_redacted))
    data = [
        image_data(c, image.image_id, image.data, image.revised_prompt, outcome.response_format)
        for image in outcome.images
    ]
    first = outcome.images[0] if outcome.images else None
    fmt = first.format if first else str(outcome.params.get("output_format") or "png")
    extra = response_fields(outcome.params, first.data if first else None, fmt)
    if outcome.usage is not None:
        extra["usage"] = usage_body(outcome.usage)
    return ImagesResponse(created=outcome.created or int(time.time()), data=data, **extra)


def prompt_headers(warnings: list[str], *, redacted: bool) -> dict[str, str]:
    """What the caller must know about the prompt: warned and redacted categories."""
    headers = {}
    if warnings:
        headers["x-limner-warnings"] = ",".join(warnings)
    if redacted:
        headers["x-limner-prompt-redacted"] = "true"
    return headers


def image_data(
    c: Components, image_id: str, data: bytes, revised: str | None, response_format: str
) -> ImageData:
    if response_format == "url":
        ttl = c.settings.generation.url_ttl_s
        return ImageData(
            url=urls.signed_url(c.settings.public_url, c.secret_key, image_id, ttl_s=ttl),
            revised_prompt=revised,
        )
    return ImageData(b64_json=base64.b64encode(data).decode(), revised_prompt=revised)
