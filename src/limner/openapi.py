"""The OpenAPI document as the API really behaves, and the /docs page that renders it.

FastAPI's generated document is corrected here: security schemes (API key as a bearer token or in
Azure's `api-key` header, and the session cookie), multipart request bodies for the routes that
read their form by hand, the server-sent events of streamed images, and errors as they are sent:
OpenAI's error object with 400/401/403/404/409/413/429/5xx statuses, never a 422 validation list.
/docs is Swagger UI, served from the swagger-ui-bundle package (no CDN)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, Response

from limner.errors import NotFoundError
from limner.identity.public import PUBLIC_ROUTES

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
STATUS_TEXT = {
    "400": "Invalid request (the `param` names the field), or a content-policy refusal",
    "401": "Missing or invalid API key or session",
    "403": "Permission denied, or held for review (`code` says which)",
    "404": "Not found",
    "409": "Conflict with the current state",
    "413": "The body or an image is too large",
    "429": "Quota or rate limit reached; see `retry-after`",
    "500": "Server error",
    "502": "The image backend failed",
    "503": "Not available (a dependency is down or not configured)",
    "504": "The image backend timed out",
}
PUBLIC_ERRORS = ("400", "404", "500")
AUTHENTICATED_ERRORS = ("400", "401", "403", "404", "409", "413", "429", "500")
IMAGE_ERRORS = (*AUTHENTICATED_ERRORS, "502", "503", "504")
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")
FIELDS: dict[str, dict[str, Any]] = {
    "prompt": {"type": "string", "description": "What to change or make"},
    "model": {"type": "string"},
    "n": {"type": "integer", "minimum": 1, "maximum": 10},
    "size": {"type": "string", "description": "WIDTHxHEIGHT or auto"},
    "quality": {"type": "string"},
    "response_format": {"type": "string", "enum": ["url", "b64_json"]},
    "background": {"type": "string", "enum": ["transparent", "opaque", "auto"]},
    "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"]},
    "output_compression": {"type": "integer", "minimum": 0, "maximum": 100},
    "input_fidelity": {"type": "string", "enum": ["high", "low"]},
    "moderation": {"type": "string", "enum": ["low", "auto"]},
    "user": {"type": "string"},
    "safety_identifier": {"type": "string"},
    "stream": {"type": "boolean"},
    "partial_images": {"type": "integer", "minimum": 0, "maximum": 3},
}
BINARY = {"type": "string", "format": "binary"}
EDIT_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["image", "prompt"],
    "properties": {
        "image": {**BINARY, "description": "PNG, JPEG or WebP; send several as repeated image[] parts"},
        "mask": {**BINARY, "description": "PNG with alpha, the first image's size; alpha 0 marks the area"},
        **{name: FIELDS[name] for name in FIELDS if name != "moderation"},
    },
}
VARIATION_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["image"],
    "properties": {
        "image": BINARY,
        **{name: FIELDS[name] for name in ("model", "n", "size", "response_format", "user")},
    },
}
VERIFY_FORM: dict[str, Any] = {"type": "object", "required": ["file"], "properties": {"file": BINARY}}
FORMS = {
    "/v1/images/edits": EDIT_FORM,
    "/openai/deployments/{deployment}/images/edits": EDIT_FORM,
    "/v1/images/variations": VARIATION_FORM,
    "/v1/limner/verify": VERIFY_FORM,
}
STREAMED = {
    "/v1/images/generations",
    "/v1/images/edits",
    "/openai/deployments/{deployment}/images/generations",
    "/openai/deployments/{deployment}/images/edits",
}
EVENTS = {
    "schema": {"type": "string"},
    "example": 'event: image_generation.completed\ndata: {"type":"image_generation.completed",...}\n\n',
}


def install_openapi(app: FastAPI, *, cookie_name: str) -> None:
    """Serve the corrected document at /openapi.json and Swagger UI at /docs."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, cookie_name=cookie_name)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_api_route("/docs", docs_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs/assets/{name}", docs_asset, methods=["GET"], include_in_schema=False)


def document(app: FastAPI, *, cookie_name: str) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes, description=DESCRIPTION)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(ERROR_SCHEMAS)
    components["securitySchemes"] = security_schemes(cookie_name)
    doc["security"] = [{"bearerAuth": []}, {"azureApiKey": []}, {"sessionCookie": []}]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            _fix_operation(path, method.upper(), operation)
    return doc


def _fix_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    public = (method, path) in PUBLIC_ROUTES
    if public:
        operation["security"] = []
    statuses = PUBLIC_ERRORS if public else IMAGE_ERRORS if path in STREAMED else AUTHENTICATED_ERRORS
    for status in statuses:
        responses.setdefault(status, {"description": STATUS_TEXT[status], "content": _json(ERROR_REF)})
    if path in FORMS and method == "POST":
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": FORMS[path]}},
        }
    if path in STREAMED:
        ok = responses.setdefault("200", {"description": "Successful Response"})
        ok["description"] = "The images; with `stream: true`, server-sent events (partials, then completed)"
        ok.setdefault("content", {})["text/event-stream"] = EVENTS


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def security_schemes(cookie_name: str) -> dict[str, Any]:
    return {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (lmn_...) in `Authorization: Bearer`",
        },
        "azureApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "api-key",
            "description": "The same API key as Azure OpenAI clients send it",
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": cookie_name,
            "description": "A browser session; state-changing requests also need the x-csrf-token header",
        },
    }


ERROR_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["message", "type", "param", "code"],
        "properties": {
            "message": {"type": "string"},
            "type": {"type": "string"},
            "param": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    },
    "ErrorResponse": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/Error"}},
    },
}
DESCRIPTION = (
    "An OpenAI-compatible Images API (also at Azure OpenAI's deployment paths) with Limner's "
    "administration, review, audit, privacy and provenance routes. Errors use OpenAI's error object."
)
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Limner API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>
"""
INIT = 'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});\n'


async def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


async def docs_asset(name: str) -> Response:
    if name == "init.js":
        return Response(INIT, media_type="text/javascript")
    if name not in ASSETS:
        raise NotFoundError("No such file.")
    return FileResponse(_asset_dir() / name)


@cache
def _asset_dir() -> Path:
    import swagger_ui_bundle  # the /docs assets; imported on first use only

    return Path(swagger_ui_bundle.swagger_ui_path)
