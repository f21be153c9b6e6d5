"""HTTP plumbing: request ids, body limits, security headers and error responses."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from contextvars import ContextVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from limner import observe
from limner.db import database_unavailable
from limner.errors import InvalidRequestError, LimnerError, PayloadTooLargeError, UnavailableError
from limner.logs import request_id_var
from limner.observe import Instruments

log = logging.getLogger("limner.http")
# Who is calling, for the audit trail (the new_network rule): the address and a hash of the user agent.
client_var: ContextVar[dict[str, str] | None] = ContextVar("limner_client", default=None)


# Pages load only their own scripts and styles; nothing may frame them (see web/).
CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    b"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def request_client() -> dict[str, str] | None:
    """The current request's client address and user-agent hash (None outside a request)."""
    return client_var.get()


def error_response(exc: LimnerError, request_id: str | None = None, *, azure: bool = False) -> JSONResponse:
    headers = dict(exc.headers)
    if request_id:
        headers["x-request-id"] = request_id
    return JSONResponse(exc.azure_body() if azure else exc.body(), status_code=exc.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def on_limner(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LimnerError)
        azure = request.url.path.startswith("/openai/")
        return error_response(exc, getattr(request.state, "request_id", None), azure=azure)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(_from_validation(exc), getattr(request.state, "request_id", None))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        too_large = getattr(request.state, "body_too_large", None)
        if isinstance(too_large, int):  # FastAPI turned the limit on a streamed body into a 400
            return error_response(_too_large(too_large), getattr(request.state, "request_id", None))
        error = LimnerError(
            str(exc.detail), code=_HTTP_CODES.get(exc.status_code, "http_error"), headers=exc.headers
        )
        error.status = exc.status_code  # type: ignore[misc]
        error.type = "invalid_request_error"  # type: ignore[misc]
        return error_response(error, getattr(request.state, "request_id", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, UnicodeEncodeError):  # request text with a lone surrogate, found late
            return error_response(
                InvalidRequestError("The request holds text that is not valid Unicode.", code="invalid_text"),
                getattr(request.state, "request_id", None),
            )
        # Log the type only: exception messages may quote request data.
        log.error("unhandled %s on %s", type(exc).__name__, request.url.path)
        if database_unavailable(exc):
            down = UnavailableError(
                "The database is not reachable; try again shortly.", headers={"retry-after": "1"}
            )
            return error_response(down, getattr(request.state, "request_id", None))
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
        instruments: Instruments | None = None,
    ) -> None:
        self.app = app
        self.instruments = instruments
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.hsts = hsts
        self.hsts_max_age_s = hsts_max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + uuid.uuid4().hex
        token = request_id_var.set(request_id)  # every log line of this request carries it
        client_token = client_var.set(_client(scope))
        instruments_token = observe.current.set(self.instruments)
        try:
            await self._handle(scope, receive, send, request_id)
        finally:
            observe.current.reset(instruments_token)
            client_var.reset(client_token)
            request_id_var.reset(token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        state = scope.setdefault("state", {})
        state["request_id"], state["started"] = request_id, time.perf_counter()
        limit = self._limit(scope)
        declared = _header(scope, b"content-length", "0")
        if declared.isdigit() and int(declared) > limit:
            await error_response(_too_large(limit), request_id)(scope, receive, send)
            return
        await self.app(
            scope, _limited(receive, limit, state), self._with_headers(send, request_id, state, scope)
        )

    def _limit(self, scope: Scope) -> int:
        is_upload = _header(scope, b"content-type", "").startswith("multipart/")
        return self.max_upload_bytes if is_upload else self.max_json_bytes

    def _with_headers(self, send: Send, request_id: str, state: dict[str, object], scope: Scope) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                _log_request(scope, message["status"], state)
                headers = list(message.get("headers", []))
                cached = any(name == b"cache-control" for name, _ in headers)  # static files set their own
                security = [h for h in self._security_headers() if not (cached and h[0] == b"cache-control")]
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                headers += security
                if "upstream_ms" in state:
                    headers.append((b"x-limner-overhead-ms", _overhead(state).encode()))
                    headers.append((b"x-limner-image-ms", f"{state.get('image_ms', 0.0):.2f}".encode()))
                    headers.append((b"x-limner-model-ms", f"{state.get('model_ms', 0.0):.2f}".encode()))
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


def _log_request(scope: Scope, status: int, state: dict[str, object]) -> None:
    # Method, path and status only: query strings carry signatures and bodies carry prompts.
    started = state["started"]
    assert isinstance(started, float)
    elapsed = (time.perf_counter() - started) * 1000
    method, path = scope["method"], scope["path"]
    # Metrics use the route template: raw paths would make one time series per id (or per probe).
    observe.request_done(method, getattr(scope.get("route"), "path", "unmatched"), status, elapsed / 1000)
    log.info(
        "%s %s %s %.1fms",
        method,
        path,
        status,
        elapsed,
        extra={"method": method, "path": path, "status": status, "duration_ms": round(elapsed, 1)},
    )


def _overhead(state: dict[str, object]) -> str:
    started, upstream, model = state["started"], state["upstream_ms"], state.get("model_ms", 0.0)
    assert isinstance(started, float)
    assert isinstance(upstream, float)
    assert isinstance(model, float)
    return f"{(time.perf_counter() - started) * 1000 - upstream - model:.2f}"


def _limited(receive: Receive, limit: int, state: dict[str, object]) -> Receive:
    """Count the body as it streams in (chunked bodies declare no length) and stop past `limit`."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            state["body_too_large"] = limit
            raise _too_large(limit)
        return message

    return limited


def _client(scope: Scope) -> dict[str, str] | None:
    client = scope.get("client")
    if not client:
        return None
    agent = _header(scope, b"user-agent", "")
    return {"ip": str(client[0]), "agent": hashlib.sha256(agent.encode()).hexdigest()[:16]}


def _header(scope: Scope, name: bytes, default: str) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1")).lower()
    return default


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"The request body is larger than the limit of {limit} bytes.")
