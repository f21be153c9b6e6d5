"""SCIM error bodies (urn:ietf:params:scim:api:messages:2.0:Error) and a route class that emits them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from limner.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    LimnerError,
    NotFoundError,
    PermissionDeniedError,
)

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"
log = logging.getLogger("limner.scim")


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        headers = {"WWW-Authenticate": 'Bearer realm="limner-scim"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, media_type=MEDIA_TYPE, headers=headers)


def invalid(detail: str, scim_type: str = "invalidValue") -> ScimError:
    return ScimError(400, detail, scim_type)


def from_limner(exc: LimnerError) -> ScimError:
    if isinstance(exc, AuthenticationError):
        return ScimError(401, "Authentication failed: send an API key with the scim role as a Bearer token.")
    if isinstance(exc, PermissionDeniedError):
        return ScimError(403, exc.message)
    if isinstance(exc, NotFoundError):
        return ScimError(404, exc.message)
    if isinstance(exc, ConflictError):
        return ScimError(409, exc.message, "uniqueness")
    if isinstance(exc, InvalidRequestError):
        return ScimError(400, exc.message, "invalidValue")
    return ScimError(exc.status, exc.message)


class ScimRoute(APIRoute):
    """Every error on a SCIM route, including authentication, becomes a SCIM error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ScimError as exc:
                return exc.response()
            except LimnerError as exc:
                return from_limner(exc).response()
            except RequestValidationError:
                return invalid("The request is malformed.", "invalidSyntax").response()

        return scim_handler
