"""install_web: the static files, the templates and every page router."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from limner.web.render import STATIC_PACKAGE, build_templates
from limner.web.routers import web_routers

LONG_CACHE = b"public, max-age=31536000, immutable"


class CachedStatic(StaticFiles):
    """Vendored assets: URLs carry a content hash, so they may be cached for a year."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]  # type: ignore[attr-defined]
                message["headers"] = [*headers, (b"cache-control", LONG_CACHE)]
            await send(message)

        await super().__call__(scope, receive, send_cached)  # type: ignore[arg-type]


def install_web(app: FastAPI) -> None:
    app.state.web_templates = build_templates()
    static_dir = resources.files(STATIC_PACKAGE).joinpath("static")
    app.mount("/static", CachedStatic(directory=str(static_dir)), name="static")
    for router in web_routers():
        app.include_router(router)
