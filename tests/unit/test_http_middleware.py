"""Unit tests: the request middleware on a bare FastAPI app (no Limner app, no database) — body limits
declared and streamed, security headers, request ids, timing headers and the caller's address."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from limner.http import RequestContextMiddleware, request_client
from tests.unit.http_app import JSON_LIMIT, UPLOAD_LIMIT, build_app, plumbing_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with plumbing_client() as http:
        yield http


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
    async with plumbing_client(hsts=True, base_url="https://t") as http:
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
