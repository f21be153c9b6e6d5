"""A loopback fake of OpenAI's and Azure OpenAI's image endpoints, with per-test fault modes.

    with serve_fake_upstream() as (base_url, state):
        OpenAIConfig(base_url=base_url, api_key=state.api_key)           # base_url ends in /v1
        AzureOpenAIConfig(endpoint=state.azure_endpoint, api_key=state.azure_api_key)
        state.add_fault("http_429", retry_after="0")                       # next image request
        state.requests[-1].headers["authorization"]                        # what was sent upstream

Validation, answers and error bodies follow OpenAI's https://platform.openai.com/docs/api-reference/images.
Faults apply to image requests in the order added, one fault per request.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from PIL import Image
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import serve_app

FaultMode = Literal[
    "slow",
    "timeout",
    "http_500",
    "http_503",
    "http_429",
    "garbage",
    "error_in_200",
    "url_response",
    "content_policy_violation",
    "moderation_blocked",
    "azure_content_filter",
    "azure_legacy_content_filter",
]
DALLE_SIZES = {
    "dall-e-2": {"256x256", "512x512", "1024x1024"},
    "dall-e-3": {"1024x1024", "1792x1024", "1024x1792"},
}
GPT_SIZES = {"1024x1024", "1536x1024", "1024x1536", "auto"}
GPT_ONLY = ("background", "output_format", "output_compression", "moderation")
SAFETY_MESSAGE = "Your request was rejected as a result of our safety system."


@dataclass(frozen=True)
class Fault:
    mode: FaultMode
    delay_s: float = 0.0
    retry_after: str | None = None
    retry_after_ms: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    json: Any = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)


@dataclass
class FakeUpstreamState:
    """Credentials the fake accepts, the requests it saw and the faults still to play."""

    api_key: str = "sk-fake-upstream-key"
    azure_api_key: str = "fake-azure-key"
    azure_token: str = "fake-entra-token"
    azure_deployments: dict[str, str] = field(
        default_factory=lambda: {"dalle3": "dall-e-3", "gptimage": "gpt-image-1.5", "dalle2": "dall-e-2"}
    )
    azure_endpoint: str = ""  # set when served
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    closing: bool = False

    def add_fault(self, mode: FaultMode, *, times: int = 1, **options: Any) -> None:
        """Queue `mode` for the next `times` image requests (options: delay_s, retry_after[_ms])."""
        self.faults.extend(Fault(mode, **options) for _ in range(times))

    def image_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if "/images/" in r.path]


def _err(
    message: str, code: str | None = None, type_: str = "invalid_request_error", param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


@lru_cache(maxsize=64)
def encoded_image(size: str, fmt: str) -> bytes:
    width, height = (int(side) for side in size.split("x"))
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(buffer, format=fmt.upper())
    return buffer.getvalue()


class FakeUpstream:
    """The Starlette app; one instance per serve_fake_upstream()."""

    def __init__(self, state: FakeUpstreamState) -> None:
        self.state = state
        self.app = Starlette(
            routes=[
                Route("/v1/images/{action}", self.openai_images, methods=["POST"]),
                Route("/v1/models", self.models),
                Route(
                    "/openai/deployments/{deployment}/images/{action}", self.azure_images, methods=["POST"]
                ),
                Route("/openai/images/variations", self.azure_variations, methods=["POST"]),
                Route("/openai/models", self.models),
                Route("/files/{name}", self.file),
            ]
        )

    async def record(self, request: Request) -> RecordedRequest:
        recorded = RecordedRequest(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
        )
        if request.headers.get("content-type", "").startswith(("multipart/", "application/x-www-form")):
            async with request.form() as form:  # closes the spooled upload files
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        upload = UploadedFile(value.filename, value.content_type, await value.read())
                        recorded.files.setdefault(name, []).append(upload)
                    else:
                        recorded.form.setdefault(name, []).append(value)
        elif request.method == "POST":
            try:
                recorded.json = json.loads(await request.body())
            except ValueError:  # the vendor answers an unparsable body like a missing one
                recorded.json = None
        self.state.requests.append(recorded)
        return recorded

    def openai_auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") == f"Bearer {self.state.api_key}":
            return None
        return JSONResponse(_err("Incorrect API key provided: sk-***.", "invalid_api_key"), 401)

    def azure_auth(self, request: Request) -> Response | None:
        if request.query_params.get("api-version") is None:
            return JSONResponse({"error": {"code": "404", "message": "Resource not found"}}, 404)
        if (
            request.headers.get("api-key") == self.state.azure_api_key
            or request.headers.get("authorization") == f"Bearer {self.state.azure_token}"
        ):
            return None
        message = "Access denied due to invalid subscription key or wrong API endpoint."
        return JSONResponse({"error": {"code": "401", "message": message}}, 401)

    async def models(self, request: Request) -> Response:
        await self.record(request)
        denied = (
            self.azure_auth(request) if request.url.path.startswith("/openai") else self.openai_auth(request)
        )
        models = ["dall-e-2", "dall-e-3", "gpt-image-1.5", "gpt-image-2"]
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "system"} for m in models]
        return denied or JSONResponse({"object": "list", "data": data})

    async def file(self, request: Request) -> Response:
        await self.record(request)
        size, fmt = request.path_params["name"].rsplit(".", 1)
        return Response(encoded_image(size, fmt), media_type=f"image/{fmt}")

    async def openai_images(self, request: Request) -> Response:
        recorded = await self.record(request)
        return self.openai_auth(request) or await self.serve(recorded, request, azure=False)

    async def azure_images(self, request: Request) -> Response:
        recorded = await self.record(request)
        deployment = request.path_params["deployment"]
        if denied := self.azure_auth(request):
            return denied
        if deployment not in self.state.azure_deployments:
            message = "The API deployment for this resource does not exist."
            return JSONResponse({"error": {"code": "DeploymentNotFound", "message": message}}, 404)
        model = self.state.azure_deployments[deployment]
        return await self.serve(recorded, request, azure=True, model=model)

    async def azure_variations(self, request: Request) -> Response:
        recorded = await self.record(request)
        return self.azure_auth(request) or await self.serve(recorded, request, azure=True)

    async def serve(
        self, recorded: RecordedRequest, request: Request, *, azure: bool, model: str | None = None
    ) -> Response:
        action = request.url.path.rsplit("/", 1)[1]
        params = (
            recorded.json if isinstance(recorded.json, dict) else {k: v[0] for k, v in recorded.form.items()}
        )
        model = model or str(params.get("model") or ("dall-e-2" if action != "edits" else "gpt-image-1.5"))
        fault = self.state.faults.pop(0) if self.state.faults else None
        if fault is not None and (answer := await self.play(fault)) is not None:
            return answer
        if problem := validate(action, model, params, recorded.files, azure=azure):
            return JSONResponse(_err(problem[0], problem[2], param=problem[1]), 400)
        as_url = fault is not None and fault.mode == "url_response"
        body = self.success(model, params, request, as_url=as_url)
        if str(params.get("stream")).lower() == "true":
            return stream_answer(action, body, int(params.get("partial_images") or 0))
        return JSONResponse(body, headers={"x-request-id": f"req_{len(self.state.requests)}"})

    async def play(self, fault: Fault) -> Response | None:
        """Answer for a fault, or None to carry on normally (slow, url_response)."""
        if fault.mode == "url_response":
            return None
        if fault.mode in ("slow", "timeout"):
            deadline = time.monotonic() + (fault.delay_s or 30.0)
            while time.monotonic() < deadline and not self.state.closing:
                await asyncio.sleep(0.01)
            if fault.mode == "slow":
                return None
        return fault_response(fault)

    def success(
        self, model: str, params: dict[str, Any], request: Request, *, as_url: bool
    ) -> dict[str, Any]:
        gpt = not model.startswith("dall-e")
        size = str(params.get("size") or "1024x1024").replace("auto", "1024x1024")
        fmt = str(params.get("output_format") or "png") if gpt else "png"
        as_url = as_url or (not gpt and params.get("response_format", "url") == "url")
        body: dict[str, Any] = {"created": int(time.time()), "data": []}
        for _ in range(int(params.get("n") or 1)):
            item: dict[str, Any] = {"b64_json": base64.b64encode(encoded_image(size, fmt)).decode()}
            if as_url:
                item = {"url": f"{str(request.base_url).rstrip('/')}/files/{size}.{fmt}"}
            if model == "dall-e-3":
                item["revised_prompt"] = f"A detailed illustration: {params.get('prompt')}"
            body["data"].append(item)
        if gpt:
            quality = str(params.get("quality") or "auto").replace("auto", "medium")
            body |= {"background": "opaque", "output_format": fmt, "quality": quality, "size": size}
            details = {"text_tokens": 10, "image_tokens": 40}
            body["usage"] = {
                "input_tokens": 50,
                "output_tokens": 4160,
                "total_tokens": 4210,
                "input_tokens_details": details,
            }
        return body


_SERVER_ERROR = _err(
    "The server had an error while processing your request. Sorry about that!", None, "server_error"
)
_MODERATION = _err(
    "Your request was rejected by the safety system. If you believe this is an error, contact us at "
    "help.openai.com and include the request ID req_1. safety_violations=[sexual].",
    "moderation_blocked",
    "image_generation_user_error",
)
_MODERATION["error"]["moderation_details"] = {"moderation_stage": "input", "categories": ["sexual"]}
_AZURE_FILTER = _err(SAFETY_MESSAGE, "content_policy_violation")
_AZURE_FILTER["error"]["inner_error"] = {
    "code": "ResponsibleAIPolicyViolation",
    "content_filter_results": {"sexual": {"filtered": True, "severity": "high"}, "hate": {"filtered": False}},
}
FAULT_ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "timeout": (500, _SERVER_ERROR),
    "http_500": (500, _SERVER_ERROR),
    "http_503": (503, _err("The server is overloaded.", "server_is_overloaded", "service_unavailable_error")),
    "http_429": (
        429,
        _err("Rate limit reached for images per minute.", "rate_limit_exceeded", "rate_limit_error"),
    ),
    "error_in_200": (200, _err("Something went wrong.", "server_error", "server_error")),
    "content_policy_violation": (400, _err(SAFETY_MESSAGE, "content_policy_violation")),
    "moderation_blocked": (400, _MODERATION),
    "azure_content_filter": (400, _AZURE_FILTER),
    "azure_legacy_content_filter": (
        400,
        {"created": 0, "error": {"code": "contentFilter", "message": "Your task failed."}},
    ),
}


def stream_answer(action: str, body: dict[str, Any], partial_images: int) -> Response:
    """OpenAI's image streaming event sequence: partials (a smaller picture), then one completed per image."""
    prefix = "image_generation" if action == "generations" else "image_edit"
    common = {k: body[k] for k in ("background", "output_format", "quality", "size")} | {"created_at": 0}
    small = base64.b64encode(encoded_image("64x64", "png")).decode()
    events: list[dict[str, Any]] = []
    for item in body["data"]:
        events += [
            {"type": f"{prefix}.partial_image", "b64_json": small, "partial_image_index": i, **common}
            for i in range(partial_images)
        ]
        events.append({"type": f"{prefix}.completed", "b64_json": item["b64_json"], "usage": body["usage"],
                       **common})  # fmt: skip
    text = ": keep-alive\n\n" + "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    return Response(text.encode(), media_type="text/event-stream")


def fault_response(fault: Fault) -> Response:
    if fault.mode == "garbage":
        return Response(b"<html>upstream proxy error{", media_type="application/json")
    headers = {"retry-after": fault.retry_after, "retry-after-ms": fault.retry_after_ms}
    status, body = FAULT_ANSWERS[fault.mode]
    return JSONResponse(body, status, headers={k: v for k, v in headers.items() if v is not None})


Problem = tuple[str, str | None, str]  # message, param, code


def validate(
    action: str, model: str, params: dict[str, Any], files: dict[str, list[UploadedFile]], *, azure: bool
) -> Problem | None:
    """The vendor's parameter checks, in the order it reports them."""
    dalle = model in DALLE_SIZES
    if not dalle and not model.startswith(("gpt-image", "chatgpt-image")):
        return f"Invalid model '{model}'.", "model", "invalid_value"
    if action != "variations" and not params.get("prompt"):
        return "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter"
    for name in GPT_ONLY if dalle else ("response_format", "style"):
        if params.get(name) is not None:
            return f"Unknown parameter: '{name}'.", name, "unknown_parameter"
    n, size = int(params.get("n") or 1), params.get("size")
    if not 1 <= n <= (1 if model == "dall-e-3" else 10):
        return f"Invalid 'n': {n} is not supported for this model.", "n", "invalid_value"
    if (
        size is not None
        and size not in DALLE_SIZES.get(model, GPT_SIZES)
        and not _free_size(model, str(size))
    ):
        return f"Invalid size '{size}' for this model.", "size", "invalid_value"
    if azure and params.get("output_format") == "webp":
        return "WEBP images aren't supported in the Azure OpenAI.", "output_format", "invalid_value"
    if (action == "edits" and model == "dall-e-3") or (action == "variations" and model != "dall-e-2"):
        return f"{model} does not support this operation.", "model", "invalid_value"
    return _check_files(action, model, files) if action != "generations" else None


def _free_size(model: str, size: str) -> bool:
    width, _, height = size.partition("x")
    ok = model.startswith("gpt-image-2") and width.isdigit() and height.isdigit()
    return ok and int(width) % 16 == 0 and int(height) % 16 == 0


def _check_files(action: str, model: str, files: dict[str, list[UploadedFile]]) -> Problem | None:
    images = files.get("image", []) + files.get("image[]", [])
    if not images:
        return "Missing required parameter: 'image'.", "image", "missing_required_parameter"
    try:
        sizes = [Image.open(io.BytesIO(upload.data)).size for upload in images]
        mask = [Image.open(io.BytesIO(upload.data)).size for upload in files.get("mask", [])]
    except OSError:
        return "Invalid image file or mode.", "image", "invalid_image_format"
    if model == "dall-e-2" and (len(images) > 1 or sizes[0][0] != sizes[0][1]):
        return "Uploaded image must be a single square PNG.", "image", "invalid_value"
    if mask and mask[0] != sizes[0]:
        return "The mask must have the same dimensions as the image.", "mask", "invalid_value"
    return None if action == "edits" or len(images) == 1 else ("Too many images.", "image", "invalid_value")


@contextmanager
def serve_fake_upstream(state: FakeUpstreamState | None = None) -> Iterator[tuple[str, FakeUpstreamState]]:
    """Serve the fake on 127.0.0.1 (a free port) in a thread; yield (OpenAI base_url, state)."""
    state = state or FakeUpstreamState()
    with serve_app(FakeUpstream(state).app) as root:
        state.azure_endpoint = root
        try:
            yield f"{root}/v1", state
        finally:
            state.closing = True
