"""Templates: one Jinja2 environment per app, autoescaped; static files referenced with integrity hashes."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from limner.errors import LimnerError
from limner.web.context import page_context_hooks
from limner.web.nav import nav_for
from limner.web.pages import Page, csrf_cookie

STATIC_PACKAGE = "limner.web"
SERVER_FAULT = (
    "Something went wrong on our side. If it keeps happening, tell your administrator the request id."
)


def build_templates() -> Environment:
    env = Environment(
        loader=PackageLoader(STATIC_PACKAGE, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        enable_async=False,
    )
    digests = static_digests()
    env.globals["static_url"] = lambda name: f"/static/{name}?v={digests[name][0]}"
    env.globals["sri"] = lambda name: digests[name][1]
    return env


def static_digests() -> dict[str, tuple[str, str]]:
    """name -> (short version for the URL, sha384 subresource-integrity value)."""
    out: dict[str, tuple[str, str]] = {}
    for entry in resources.files(STATIC_PACKAGE).joinpath("static").iterdir():
        if entry.is_file():
            data = entry.read_bytes()
            sri = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
            out[entry.name] = (hashlib.sha256(data).hexdigest()[:12], sri)
    return out


async def render(page: Page, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    env: Environment = page.request.app.state.web_templates
    context: dict[str, Any] = {"banners": [], "errors": [], "title": "Limner"}
    if page.principal is not None:
        for hook in page_context_hooks():
            context.update(await hook(page))
    context.update(values)
    context.update(page=page, nav=nav_for(page.principal), csrf_token=page.csrf_token)
    html = env.get_template(template).render(context)
    return HTMLResponse(html, status_code=status)


def render_fragment(page: Page, template: str, **values: Any) -> HTMLResponse:
    """A partial for an htmx swap: no layout, no per-page hooks."""
    env: Environment = page.request.app.state.web_templates
    html = env.get_template(template).render({**values, "page": page, "csrf_token": page.csrf_token})
    return HTMLResponse(html)


async def render_error(request: Request, exc: LimnerError) -> HTMLResponse:
    c = request.app.state.components
    page = Page(request, c, None, csrf_cookie(request, c))
    # A server-side failure's message may name files or settings: the page shows the request id instead.
    message = exc.message if exc.status < 500 else SERVER_FAULT
    response = await render(
        page, "errors/error.html", status=exc.status, title=_title(exc), message=message, code=exc.code
    )
    response.headers.update(exc.headers)
    return response


def _title(exc: LimnerError) -> str:
    return {401: "Sign in first", 403: "Not allowed", 404: "Not found"}.get(
        exc.status, "Something went wrong"
    )
