"""Unit tests: the HTTP plumbing on a bare FastAPI app (no Limner app, no database) — every error of the
tree mapped to its status and OpenAI (or Azure) body, validation errors named by parameter, body limits
declared and streamed, security headers, request ids and the caller's address."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict
from starlette.types import Message, Receive, Scope, Send

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


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


@pytest.mark.parametrize(
    ("name", "status", "kind", "code"),
    [
        ("invalid", 400, "invalid_request_error", "invalid_request"),
        ("policy", 400, "invalid_request_error", "content_policy_violation"),
        ("image", 400, "invalid_request_error", "invalid_image"),
        ("large", 413, "invalid_request_error", "payload_too_large"),
        ("auth", 401, "invalid_request_error", "invalid_api_key"),
        ("denied", 403, "permission_error", "permission_denied"),
        ("held", 403, "permission_error", "held_for_review"),
        ("training", 403, "permission_error", "training_required"),
        ("missing", 404, "invalid_request_error", "not_found"),
        ("conflict", 409, "invalid_request_error", "conflict"),
        ("quota", 429, "rate_limit_error", "quota_exceeded"),
        ("upstream", 502, "upstream_error", "vendor_code"),
        ("timeout", 504, "upstream_error", "upstream_timeout"),
        ("down", 503, "service_unavailable_error", "service_unavailable"),
        ("bare", 500, "server_error", "server_error"),
    ],
)
async def test_each_error_has_its_status_and_openai_body(
    client: httpx.AsyncClient, name: str, status: int, kind: str, code: str
) -> None:
    response = await client.get(f"/raise/{name}")
    error = response.json()["error"]
    assert response.status_code == status
    assert (error["type"], error["code"], error["message"]) == (kind, code, ERRORS[name].message)
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("name", "header", "value", "field"),
    [
        ("held", "x-limner-review-id", "rev_9", ("review_id", "rev_9")),
        ("quota", "retry-after", "42", None),
        ("training", None, None, ("training_url", "/training")),
    ],
)
async def test_errors_carry_their_extra_headers_and_fields(
    client: httpx.AsyncClient,
    name: str,
    header: str | None,
    value: str | None,
    field: tuple[str, str] | None,
) -> None:
    response = await client.get(f"/raise/{name}")
    if header is not None:
        assert response.headers[header] == value
    if field is not None:
        assert response.json()["error"][field[0]] == field[1]


async def test_azure_routes_get_azures_content_filter_shape(client: httpx.AsyncClient) -> None:
    error = (await client.get("/openai/raise/policy")).json()["error"]
    assert error["inner_error"] == {
        "code": "ResponsibleAIPolicyViolation",
        "content_filter_results": {"harm.violence": {"filtered": True, "detected": True}},
    }
    assert (await client.get("/openai/raise/auth")).json()["error"]["code"] == "401"
    assert "inner_error" not in (await client.get("/raise/policy")).json()["error"]


@pytest.mark.parametrize(
    ("content", "code", "param", "message"),
    [
        (b"{not json", "invalid_json", None, "We could not parse the JSON body of your request."),
        (b'{"prompt": "x", "colour": "red"}', "unknown_parameter", "colour", "argument supplied: colour"),
        (b'{"n": 2}', "missing_required_parameter", "prompt", "Missing required parameter: 'prompt'."),
        (b'{"prompt": "x", "n": "many"}', "invalid_type", "n", "Invalid value for 'n': "),
        (b'["a", "list"]', "invalid_body", None, "The request body must be a JSON object of parameters."),
    ],
    ids=["not-json", "extra", "missing", "wrong-type", "not-an-object"],
)
async def test_validation_errors_name_the_parameter(
    client: httpx.AsyncClient, content: bytes, code: str, param: str | None, message: str
) -> None:
    response = await client.post("/body", content=content, headers={"content-type": "application/json"})
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["type"] == "invalid_request_error"
    assert (error["code"], error["param"]) == (code, param)
    assert message in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/nowhere", 404, "not_found"), ("DELETE", "/body", 405, "method_not_allowed")],
)
async def test_framework_http_errors_use_the_same_shape(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("kind", "status", "code", "retry_after"),
    [
        ("unicode", 400, "invalid_text", None),
        ("database", 503, "service_unavailable", "1"),
        ("other", 500, "server_error", None),
    ],
)
async def test_unexpected_exceptions_become_errors_that_leak_nothing(
    client: httpx.AsyncClient, kind: str, status: int, code: str, retry_after: str | None
) -> None:
    response = await client.get(f"/crash/{kind}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.headers.get("retry-after") == retry_after
    assert "secret detail" not in response.text


async def test_unhandled_errors_are_logged_by_type_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("ERROR", logger="limner.http"):
        await client.get("/crash/other")
    assert "unhandled RuntimeError on /crash/other" in caplog.text
    assert "secret detail" not in caplog.text


@pytest.mark.parametrize(
    ("content_type", "size", "status"),
    [
        ("application/json", JSON_LIMIT, 200),
        ("application/json", JSON_LIMIT + 1, 413),
        ("multipart/form-data; boundary=x", UPLOAD_LIMIT, 200),
        ("multipart/form-data; boundary=x", UPLOAD_LIMIT + 1, 413),
    ],
)
async def test_a_declared_length_over_the_limit_is_refused_before_the_app_reads_it(
    client: httpx.AsyncClient, content_type: str, size: int, status: int
) -> None:
    response = await client.post("/raw", content=b"x" * size, headers={"content-type": content_type})
    assert response.status_code == status
    if status == 413:
        limit = UPLOAD_LIMIT if content_type.startswith("multipart/") else JSON_LIMIT
        assert response.json()["error"] == {
            "message": f"The request body is larger than the limit of {limit} bytes.",
            "type": "invalid_request_error",
            "param": None,
            "code": "payload_too_large",
        }


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"y" * size


@pytest.mark.parametrize(("path", "count"), [("/raw", 3), ("/body", 3), ("/raw", 1)])
async def test_a_streamed_body_is_counted_as_it_arrives(
    client: httpx.AsyncClient, path: str, count: int
) -> None:
    response = await client.post(
        path, content=chunks(count, 1000), headers={"content-type": "application/json"}
    )  # chunked: no content-length to check up front
    if count * 1000 > JSON_LIMIT:
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
    else:
        assert response.json() == {"bytes": 1000}


async def test_security_headers_are_on_every_response(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers


async def test_hsts_is_sent_only_when_serving_tls() -> None:
    transport = httpx.ASGITransport(app=build_app(hsts=True))
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as http:
        response = await http.get("/cached")
    assert response.headers["strict-transport-security"] == "max-age=600"


async def test_a_response_keeps_its_own_cache_control_and_request_id(client: httpx.AsyncClient) -> None:
    cached = await client.get("/cached")
    assert cached.headers.get_list("cache-control") == ["max-age=60"]
    own = await client.get("/own-id")
    assert own.headers.get_list("x-request-id") == ["req_upstream"]


async def test_time_outside_the_vendor_is_reported_when_a_vendor_was_called(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/timed")
    assert response.headers["x-limner-image-ms"] == "0.00"
    assert response.headers["x-limner-model-ms"] == "2.50"
    assert float(response.headers["x-limner-overhead-ms"]) > -7.5
    assert "x-limner-overhead-ms" not in (await client.get("/cached")).headers


async def test_each_request_gets_a_new_id(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/cached")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


async def test_the_caller_is_known_by_address_and_hashed_user_agent(client: httpx.AsyncClient) -> None:
    seen = (await client.get("/client", headers={"user-agent": "Kite/1.0"})).json()
    assert seen == {"ip": "127.0.0.1", "agent": hashlib.sha256(b"kite/1.0").hexdigest()[:16]}
    assert request_client() is None  # outside a request


async def test_a_request_without_a_client_address_has_no_client() -> None:
    app = build_app()
    sent: list[Message] = []
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/client",
        "raw_path": b"/client",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"t")],
        "client": None,
        "server": ("t", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert body == b"null"


async def test_non_http_scopes_pass_straight_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    middleware = RequestContextMiddleware(
        inner, max_json_bytes=JSON_LIMIT, max_upload_bytes=UPLOAD_LIMIT, hsts=False, hsts_max_age_s=0
    )

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        seen.append(message["type"])

    await middleware({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]
