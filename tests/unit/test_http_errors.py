"""Unit tests: the HTTP error handlers on a bare FastAPI app (no Limner app, no database) — every error of
the tree mapped to its status and OpenAI (or Azure) body, validation errors named by parameter,
framework errors in the same shape, unexpected exceptions turned into errors that leak nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.unit.http_app import ERRORS, plumbing_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with plumbing_client() as http:
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
