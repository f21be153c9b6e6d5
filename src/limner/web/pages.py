"""Page dependencies: who is signed in (a complete session), their CSRF token, and permission checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from limner.components import Components
from limner.deps import ComponentsDep, PrincipalDep
from limner.errors import PermissionDeniedError
from limner.identity.schemas import AUTHENTICATED, Principal


@dataclass(frozen=True, slots=True)
class Page:
    """What a page handler needs: the request, the components, and (signed in) the principal."""

    request: Request
    c: Components
    principal: Principal | None
    csrf_token: str

    @property
    def request_id(self) -> str:
        return str(getattr(self.request.state, "request_id", ""))

    @property
    def user(self) -> Principal:
        assert self.principal is not None, "a signed-in page"
        return self.principal


def csrf_cookie(request: Request, c: Components) -> str:
    return request.cookies.get(c.settings.identity.sessions.csrf_cookie_name, "")


async def signed_in(request: Request, c: ComponentsDep, principal: PrincipalDep) -> Page:
    """A complete browser session; WebRoute turns a missing or half-done one into the sign-in page."""
    return Page(request, c, principal, csrf_cookie(request, c))


def visitor(request: Request, c: ComponentsDep) -> Page:
    """Anyone, signed in or not (sign-in pages, external share links)."""
    return Page(request, c, None, csrf_cookie(request, c))


signed_in.required_permission = AUTHENTICATED  # type: ignore[attr-defined]  # read by the page matrix test
PageDep = Annotated[Page, Depends(signed_in)]
VisitorDep = Annotated[Page, Depends(visitor)]


def require_page(permission: str) -> Callable[[Page], Awaitable[Page]]:
    """A dependency: the signed-in person holds `permission`, else a 403 page naming it."""

    async def check(page: PageDep) -> Page:
        if not page.user.can(permission):
            raise PermissionDeniedError(f"You lack the permission '{permission}'.")
        return page

    check.required_permission = permission  # type: ignore[attr-defined]
    return check
