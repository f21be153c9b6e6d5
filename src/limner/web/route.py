"""WebRoute: page handlers take the CSRF token from the form, and errors become pages, not JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from limner.errors import AuthenticationError, LimnerError
from limner.identity.sessions.cookies import CSRF_HEADER, needs_csrf
from limner.web.render import render_error

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SIGN_IN = "/"
MFA = "/mfa"


class WebRoute(APIRoute):
    """An APIRoute for pages. Use `APIRouter(route_class=WebRoute)`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def web_handler(request: Request) -> Response:
            try:
                await csrf_from_form(request)
                return await handler(request)
            except AuthenticationError as exc:
                return to_sign_in(request, exc)
            except LimnerError as exc:
                return await render_error(request, exc)

        return web_handler


async def csrf_from_form(request: Request) -> None:
    """A plain HTML form sends the CSRF token as a field; the API's checks read it from the header."""
    if not needs_csrf(request) or CSRF_HEADER in request.headers:
        return
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return
    token = (await request.form()).get("csrf_token")
    if isinstance(token, str) and token:
        request.scope["headers"] = [*request.scope["headers"], (CSRF_HEADER.encode(), token.encode())]
        if hasattr(request, "_headers"):
            del request._headers  # Starlette caches the parsed headers


def to_sign_in(request: Request, exc: AuthenticationError) -> Response:
    target = MFA if exc.code == "mfa_required" else SIGN_IN
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"hx-redirect": target})
    return RedirectResponse(target, status_code=303)
