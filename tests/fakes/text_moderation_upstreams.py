"""Loopback fakes of the text moderation APIs behind the remote harm detectors.

    POST /v1/moderations                      OpenAI omni-moderation (text input)
    POST /contentsafety/text:analyze          Azure AI Content Safety, api-version 2024-09-01
    POST /v1/chat/completions                 Llama Guard 3 behind an OpenAI-compatible server (vLLM)

Each checks the request as the vendor does (credentials, api-version, body shape) and answers in the
vendor's success and error shapes. `triggers` maps a word to a vendor label (an OpenAI label, an
Azure category, a Llama Guard code): a prompt containing the word is flagged on that label. The
`script` makes the next requests fail: "500", "429" (with retry-after), "slow" (longer than the
client's timeout) or "garbage" (a 200 whose body is not JSON)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.moderation_upstreams import OPENAI_LABELS
from tests.fakes.server import serve_app

OPENAI_KEY = "sk-test-text-moderation"
AZURE_KEY = "azure-text-test-key"
GUARD_KEY = "guard-test-key"
GUARD_MODEL = "meta-llama/Llama-Guard-3-8B"
AZURE_CATEGORIES = ("Hate", "SelfHarm", "Sexual", "Violence")
AZURE_MAX_CHARS = 10_000
GUARD_CODES = tuple(f"S{number}" for number in range(1, 15))


@dataclass
class TextUpstreamState:
    """What the fakes answer next, and what they received (headers, bodies, query strings)."""

    script: list[str] = field(default_factory=list)  # failure modes used in turn, then "ok"
    triggers: dict[str, str] = field(default_factory=dict)  # word in the prompt -> vendor label
    guard_reply: str | None = None  # the raw Llama Guard answer, instead of the triggers' verdict
    slow_s: float = 2.0
    retry_after: str = "0"
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        """Back to a healthy upstream that flags nothing and remembers nothing (between tests)."""
        fresh = TextUpstreamState()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def next_mode(self) -> str:
        return self.script.pop(0) if self.script else "ok"

    def flagged(self, text: str, labels: Collection[str]) -> list[str]:
        """The labels, among this vendor's `labels`, that a trigger word in `text` flags."""
        lowered = text.casefold()
        return sorted({label for word, label in self.triggers.items() if word in lowered and label in labels})

    async def record(self, request: Request) -> Any:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(
            {"headers": dict(request.headers), "body": body, "query": dict(request.query_params)}
        )
        return body


def openai_error(status: int, message: str, type_: str, code: str | int | None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def azure_error(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": []}}
    return JSONResponse(body, status_code=status, headers={"x-ms-error-code": code})


async def _failure(state: TextUpstreamState, vendor: str) -> Response | None:
    """The scripted failure for the next request, or None to answer normally (after any slowness)."""
    mode = state.next_mode()
    if mode == "slow":
        await asyncio.sleep(state.slow_s)
    if mode == "garbage":
        return PlainTextResponse("<html>502 Bad Gateway</html>{", status_code=200)
    if mode in ("429", "500"):
        status = int(mode)
        if vendor == "azure":
            code = "TooManyRequests" if status == 429 else "InternalError"
            response = azure_error(status, code, "Rate limit is exceeded." if status == 429 else "Failure.")
        elif status == 429:
            response = openai_error(429, "Rate limit reached.", "requests", "rate_limit_exceeded")
        else:
            response = openai_error(500, "The server had an error.", "server_error", None)
        if status == 429:
            response.headers["retry-after"] = state.retry_after
        return response
    return None


async def openai_moderations(request: Request) -> Response:
    state: TextUpstreamState = request.app.state.upstream
    body = await state.record(request)
    if request.headers.get("authorization") != f"Bearer {OPENAI_KEY}":
        return openai_error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    if (failure := await _failure(state, "openai")) is not None:
        return failure
    if not isinstance(body, dict) or not isinstance(body.get("input"), str) or not body.get("model"):
        return openai_error(400, "Invalid input.", "invalid_request_error", "invalid_value")
    flagged = state.flagged(body["input"], OPENAI_LABELS)
    scores = {label: 0.97 if label in flagged else 0.0002 for label in OPENAI_LABELS}
    result = {
        "flagged": bool(flagged),
        "categories": {label: label in flagged for label in OPENAI_LABELS},
        "category_scores": scores,
        "category_applied_input_types": {label: ["text"] for label in OPENAI_LABELS},
    }
    return JSONResponse({"id": "modr-fake-text", "model": body["model"], "results": [result]})


async def azure_text_analyze(request: Request) -> Response:
    state: TextUpstreamState = request.app.state.upstream
    body = await state.record(request)
    if request.headers.get("ocp-apim-subscription-key") != AZURE_KEY:
        return azure_error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint.")
    if request.query_params.get("api-version") != "2024-09-01":
        return azure_error(404, "404", "Resource not found")
    if (failure := await _failure(state, "azure")) is not None:
        return failure
    if not _valid_azure_text(body):
        return azure_error(400, "InvalidRequestBody", "The request body is invalid.")
    flagged = state.flagged(body["text"], AZURE_CATEGORIES)
    rows = [
        {"category": name, "severity": 6 if name in flagged else 0}
        for name in body.get("categories") or AZURE_CATEGORIES
    ]
    return JSONResponse({"blocklistsMatch": [], "categoriesAnalysis": rows})


def _valid_azure_text(body: Any) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return False
    categories = body.get("categories", [])
    return (
        0 < len(body["text"]) <= AZURE_MAX_CHARS
        and all(c in AZURE_CATEGORIES for c in categories)
        and body.get("outputType", "FourSeverityLevels") == "FourSeverityLevels"
    )


async def guard_chat(request: Request) -> Response:
    state: TextUpstreamState = request.app.state.upstream
    body = await state.record(request)
    if request.headers.get("authorization") != f"Bearer {GUARD_KEY}":
        return openai_error(401, "Unauthorized", "invalid_request_error", "invalid_api_key")
    if (failure := await _failure(state, "guard")) is not None:
        return failure
    if not isinstance(body, dict) or body.get("model") != GUARD_MODEL:
        model = body.get("model") if isinstance(body, dict) else None
        return openai_error(404, f"The model `{model}` does not exist.", "NotFoundError", 404)
    messages = body.get("messages") or [{}]
    content = state.guard_reply or _verdict(state.flagged(str(messages[-1].get("content", "")), GUARD_CODES))
    return JSONResponse(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": GUARD_MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 200, "completion_tokens": 5, "total_tokens": 205},
        }
    )


def _verdict(codes: list[str]) -> str:
    ordered = sorted(codes, key=lambda code: int(code[1:]))
    return "unsafe\n" + ",".join(ordered) if ordered else "safe"


def build_app(state: TextUpstreamState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/moderations", openai_moderations, methods=["POST"]),
            Route("/contentsafety/text:analyze", azure_text_analyze, methods=["POST"]),
            Route("/v1/chat/completions", guard_chat, methods=["POST"]),
        ]
    )
    app.state.upstream = state
    return app


@contextmanager
def serve(state: TextUpstreamState) -> Iterator[str]:
    """Serve the fakes on 127.0.0.1 at a free port in a background thread; yield the base URL."""
    with serve_app(build_app(state)) as root:
        yield root


def closed_port_url() -> str:
    """A loopback URL nobody listens on: the "provider is down" case."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
