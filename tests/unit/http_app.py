"""A bare FastAPI app with Limner's HTTP plumbing (error handlers, request middleware) and routes that
raise each error, for the unit tests of limner.http (no Limner app, no database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict

from limner.errors import (
    AuthenticationError,
    ConflictError,
    ContentPolicyViolation,
    HeldForReview,
    InvalidRequestError,
    LimnerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    QuotaExceededError,
    TrainingRequired,
    UnavailableError,
    UnsupportedImageError,
    UpstreamError,
    UpstreamTimeoutError,
)
from limner.http import RequestContextMiddleware, install_error_handlers, request_client

JSON_LIMIT, UPLOAD_LIMIT = 2048, 4096

ERRORS: dict[str, LimnerError] = {
    "invalid": InvalidRequestError("bad size", param="size"),
    "policy": ContentPolicyViolation("refused", categories=["harm.violence"]),
    "image": UnsupportedImageError("not an image"),
    "large": PayloadTooLargeError("too big"),
    "auth": AuthenticationError("no key"),
    "denied": PermissionDeniedError("not yours"),
    "held": HeldForReview("held", review_id="rev_9"),
    "training": TrainingRequired("train first", training_url="/training"),
    "missing": NotFoundError("gone"),
    "conflict": ConflictError("twice"),
    "quota": QuotaExceededError("slow down", retry_after_s=42),
    "upstream": UpstreamError("vendor failed", code="vendor_code"),
    "timeout": UpstreamTimeoutError("vendor slow"),
    "down": UnavailableError("later"),
    "bare": LimnerError("oops"),
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str
    n: int = 1


router = APIRouter()


@router.get("/raise/{name}")
async def raise_named(name: str) -> None:
    raise ERRORS[name]


@router.get("/openai/raise/{name}")
async def raise_azure(name: str) -> None:
    raise ERRORS[name]


@router.post("/body")
async def take_body(body: Body) -> dict[str, int]:
    return {"n": body.n}


@router.post("/raw")
async def take_raw(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/crash/{kind}")
async def crash(kind: str) -> None:
    if kind == "unicode":
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    if kind == "database":
        raise ConnectionRefusedError("connection refused")
    raise RuntimeError("secret detail that must not leak")


@router.get("/cached")
async def cached() -> PlainTextResponse:
    return PlainTextResponse("static", headers={"cache-control": "max-age=60"})


@router.get("/own-id")
async def own_id() -> PlainTextResponse:
    return PlainTextResponse("mine", headers={"x-request-id": "req_upstream"})


@router.get("/timed")
async def timed(request: Request) -> PlainTextResponse:
    request.state.upstream_ms, request.state.model_ms = 5.0, 2.5
    return PlainTextResponse("timed")


@router.get("/client")
async def client_seen() -> JSONResponse:
    return JSONResponse(request_client())


def build_app(*, hsts: bool = False) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.add_middleware(
        RequestContextMiddleware,
        max_json_bytes=JSON_LIMIT,
        max_upload_bytes=UPLOAD_LIMIT,
        hsts=hsts,
        hsts_max_age_s=600,
    )
    return app


@asynccontextmanager
async def plumbing_client(
    *, hsts: bool = False, base_url: str = "http://t"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(hsts=hsts), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http
