"""Loopback fakes of OpenAI's /moderations and Azure Content Safety's image:analyze endpoints.

They reproduce each vendor's request checks, answer and error shapes, and can be scripted to
fail: "500", "429" (with retry-after), "slow" (longer than the client's timeout) or "garbage"."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.server import serve_app

OPENAI_KEY = "sk-test-moderation"
AZURE_KEY = "azure-test-key"
OPENAI_LABELS = (
    "sexual",
    "sexual/minors",
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "violence",
    "violence/graphic",
)
# Labels the omni model scores on images; the rest are text-only and always come back as 0.
OPENAI_IMAGE_LABELS = frozenset(
    {"sexual", "violence", "violence/graphic", "self-harm", "self-harm/intent", "self-harm/instructions"}
)


@dataclass
class UpstreamState:
    """What the fake answers next, and what it received (bodies and headers)."""

    script: list[str] = field(default_factory=list)  # modes used in turn, then "ok"
    openai_scores: dict[str, float] = field(default_factory=dict)
    azure_severities: dict[str, int] = field(default_factory=dict)
    slow_s: float = 2.0
    retry_after: str = "0"
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        """Back to a healthy, all-zero upstream with no history (between tests)."""
        fresh = UpstreamState()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def next_mode(self) -> str:
        return self.script.pop(0) if self.script else "ok"


def openai_error(status: int, message: str, type_: str, code: str | None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def azure_error(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": []}}
    return JSONResponse(body, status_code=status, headers={"x-ms-error-code": code})


async def _failure(mode: str, state: UpstreamState, vendor: str) -> Response | None:
    """The scripted failure for `mode`, or None to answer normally (after any slowness)."""
    if mode == "slow":
        await asyncio.sleep(state.slow_s)
        return None
    if mode == "garbage":
        return PlainTextResponse("<html>502 Bad Gateway</html>{", status_code=200)
    if mode == "429":
        headers = {"retry-after": state.retry_after}
        if vendor == "openai":
            response = openai_error(
                429, "Rate limit reached for omni-moderation-latest.", "requests", "rate_limit_exceeded"
            )
        else:
            response = azure_error(429, "TooManyRequests", "Rate limit is exceeded. Try again later.")
        response.headers.update(headers)
        return response
    if mode == "500":
        if vendor == "openai":
            return openai_error(
                500, "The server had an error while processing your request.", "server_error", None
            )
        return azure_error(500, "InternalError", "Some unexpected situations on the server side.")
    return None


async def openai_moderations(request: Request) -> Response:
    state: UpstreamState = request.app.state.upstream
    body = await request.json()
    state.requests.append({"headers": dict(request.headers), "body": body})
    if request.headers.get("authorization") != f"Bearer {OPENAI_KEY}":
        return openai_error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    if (failure := await _failure(state.next_mode(), state, "openai")) is not None:
        return failure
    if not _valid_openai_input(body):
        return openai_error(400, "Invalid input.", "invalid_request_error", "invalid_value")
    return JSONResponse(_openai_result(state.openai_scores))


def _valid_openai_input(body: Any) -> bool:
    try:
        part = body["input"][0]
        url = part["image_url"]["url"]
        return bool(
            body["model"]
            and part["type"] == "image_url"
            and url.startswith("data:image/")
            and base64.b64decode(url.split(",", 1)[1], validate=True)
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def _openai_result(scores: dict[str, float]) -> dict[str, Any]:
    category_scores = {label: scores.get(label, 0.0001) for label in OPENAI_LABELS}
    result = {
        "flagged": any(v >= 0.5 for v in category_scores.values()),
        "categories": {label: v >= 0.5 for label, v in category_scores.items()},
        "category_scores": category_scores,
        "category_applied_input_types": {
            label: ["image"] if label in OPENAI_IMAGE_LABELS else [] for label in OPENAI_LABELS
        },
    }
    return {"id": "modr-fake-1", "model": "omni-moderation-latest", "results": [result]}


async def azure_analyze(request: Request) -> Response:
    state: UpstreamState = request.app.state.upstream
    body = await request.json()
    state.requests.append(
        {"headers": dict(request.headers), "body": body, "query": dict(request.query_params)}
    )
    if request.headers.get("ocp-apim-subscription-key") != AZURE_KEY:
        return azure_error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint.")
    if request.query_params.get("api-version") != "2024-09-01":
        return azure_error(404, "404", "Resource not found")
    if (failure := await _failure(state.next_mode(), state, "azure")) is not None:
        return failure
    if not _valid_azure_input(body):
        return azure_error(400, "InvalidRequestBody", "The request body is invalid.")
    rows = [
        {"category": name, "severity": state.azure_severities.get(name, 0)}
        for name in body.get("categories", ["Hate", "SelfHarm", "Sexual", "Violence"])
    ]
    return JSONResponse({"categoriesAnalysis": rows})


def _valid_azure_input(body: Any) -> bool:
    try:
        content = base64.b64decode(body["image"]["content"], validate=True)
    except (KeyError, TypeError, ValueError):
        return False
    return bool(content) and body.get("outputType", "FourSeverityLevels") == "FourSeverityLevels"


def build_app(state: UpstreamState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/moderations", openai_moderations, methods=["POST"]),
            Route("/contentsafety/image:analyze", azure_analyze, methods=["POST"]),
        ]
    )
    app.state.upstream = state
    return app


@contextmanager
def serve(state: UpstreamState) -> Iterator[str]:
    """Serve the fakes on 127.0.0.1 at a free port in a background thread; yield the base URL."""
    with serve_app(build_app(state)) as root:
        yield root
