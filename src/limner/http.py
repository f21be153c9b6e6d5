"""HTTP plumbing: request ids, body limits, security headers and error responses."""

from __future__ import annotations

import logging
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from limner.errors import InvalidRequestError, LimnerError, PayloadTooLargeError

log = logging.getLogger("limner.http")


# Pages load only their own scripts and styles; nothing may frame them (see web/).
CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    b"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def error_response(exc: LimnerError, request_id: str | None = None) -> JSONResponse:
    headers = dict(exc.headers)
    if request_id:
        headers["x-request-id"] = request_id
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def on_limner(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LimnerError)
        return error_response(exc, getattr(request.state, "request_id", None))

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(_from_validation(exc), getattr(request.state, "request_id", None))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        error = LimnerError(str(exc.detail), code=_HTTP_CODES.get(exc.status_code, "http_error"))
        error.status = exc.status_code  # type: ignore[misc]
        error.type = "invalid_request_error"  # type: ignore[misc]
        return error_response(error, getattr(request.state, "request_id", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type only: exception messages may quote request data.
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        return error_response(
            LimnerError("The server had an error processing your request."),
            getattr(request.state, "request_id", None),
        )

    app.add_exception_handler(LimnerError, on_limner)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


_HTTP_CODES = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _from_validation(exc: RequestValidationError) -> InvalidRequestError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    param = ".".join(loc) or None
    kind = first.get("type", "")
    if kind == "json_invalid":
        return InvalidRequestError("We could not parse the JSON body of your request.", code="invalid_json")
    if kind == "extra_forbidden":
        return InvalidRequestError(
            f"Unrecognized request argument supplied: {param}",
            param=param,
            code="unknown_parameter",
        )
    if kind == "missing":
        return InvalidRequestError(
            f"Missing required parameter: '{param}'.",
            param=param,
            code="missing_required_parameter",
        )
    if param is None:
        return InvalidRequestError(
            "The request body must be a JSON object of parameters.", code="invalid_body"
        )
    message = first.get("msg", "Invalid request")
    return InvalidRequestError(f"Invalid value for '{param}': {message}.", param=param, code="invalid_type")


class RequestContextMiddleware:
    """Adds x-request-id, measures time in Limner, enforces body limits, sets security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_json_bytes: int,
        max_upload_bytes: int,
        hsts: bool,
        hsts_max_age_s: int,
    ) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.hsts = hsts
        self.hsts_max_age_s = hsts_max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"], state["started"] = request_id, time.perf_counter()
        limit = self._limit(scope)
        declared = _header(scope, b"content-length", "0")
        if declared.isdigit() and int(declared) > limit:
            await error_response(_too_large(limit), request_id)(scope, receive, send)
            return
        scope_info = (scope["method"], scope["path"])
        await self.app(
            scope, _limited(receive, limit), self._with_headers(send, request_id, state, scope_info)
        )

    def _limit(self, scope: Scope) -> int:
        is_upload = _header(scope, b"content-type", "").startswith("multipart/")
        return self.max_upload_bytes if is_upload else self.max_json_bytes

    def _with_headers(
        self, send: Send, request_id: str, state: dict[str, object], scope_info: tuple[str, str]
    ) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                _log_request(scope_info, message["status"], state, request_id)
                headers = list(message.get("headers", []))
                cached = any(name == b"cache-control" for name, _ in headers)  # static files set their own
                security = [h for h in self._security_headers() if not (cached and h[0] == b"cache-control")]
                headers += [(b"x-request-id", request_id.encode()), *security]
                if "upstream_ms" in state:
                    headers.append((b"x-limner-overhead-ms", _overhead(state).encode()))
                    headers.append((b"x-limner-image-ms", f"{state.get('image_ms', 0.0):.2f}".encode()))
                message["headers"] = headers
            await send(message)

        return wrapped

    def _security_headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cache-control", b"no-store"),
            (b"content-security-policy", CSP),
        ]
        if self.hsts:
            headers.append((b"strict-transport-security", f"max-age={self.hsts_max_age_s}".encode()))
        return headers


def _log_request(scope_info: tuple[str, str], status: int, state: dict[str, object], request_id: str) -> None:
    # Method, path and status only: query strings carry signatures and bodies carry prompts.
    started = state["started"]
    assert isinstance(started, float)
    elapsed = (time.perf_counter() - started) * 1000
    log.info("%s %s %s %.1fms %s", scope_info[0], scope_info[1], status, elapsed, request_id)


def _overhead(state: dict[str, object]) -> str:
    started, upstream = state["started"], state["upstream_ms"]
    assert isinstance(started, float)
    assert isinstance(upstream, float)
    return f"{(time.perf_counter() - started) * 1000 - upstream:.2f}"


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _too_large(limit)
        return message

    return limited


def _header(scope: Scope, name: bytes, default: str) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1")).lower()
    return default


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"The request body is larger than the limit of {limit} bytes.")
