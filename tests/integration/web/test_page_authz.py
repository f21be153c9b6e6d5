"""Integration: the pages' authorization matrix, generated from the app's route table (the API's own
matrix is tests/integration/identity/test_authz_matrix.py). Every page declares `PageDep` or
`require_page(...)` or is listed in limner.web.public.PUBLIC_PAGES; a visitor is sent to sign in, and a
signed-in person without the page's permission gets a 403 page."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from limner.components import Components
from limner.identity.schemas import AUTHENTICATED
from limner.web.public import PUBLIC_PAGES
from limner.web.route import WebRoute
from tests.integration.web.conftest import home_csrf, web_sign_in


def _declared(dependant: Any) -> set[str]:
    found: set[str] = set()
    for dep in dependant.dependencies:
        if hasattr(dep.call, "required_permission"):
            found.add(str(dep.call.required_permission))
        found |= _declared(dep)
    return found


def pages(app: FastAPI) -> tuple[list[tuple[str, str, frozenset[str]]], list[str]]:
    found, undeclared = [], []
    for route in iter_route_contexts(app.router.routes):
        if not isinstance(route.original_route, WebRoute):
            continue
        for method in sorted(route.methods or []):
            if (method, route.path) in PUBLIC_PAGES:
                continue
            perms = frozenset(_declared(route.dependant))
            if perms:
                found.append((method, str(route.path), perms))
            else:
                undeclared.append(f"{method} {route.path}")
    return found, undeclared


def url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_page_declares_a_permission_or_is_public(app: FastAPI) -> None:
    found, undeclared = pages(app)
    assert undeclared == []
    assert len(found) >= 8


async def test_visitors_are_sent_to_sign_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    found, _ = pages(app)
    for method, path, _perms in found:
        response = await client.request(method, url(path))
        assert response.status_code == 303, f"{method} {path}: {response.status_code}"
        assert response.headers["location"] == "/"


async def test_people_without_the_permission_get_a_403_page(
    app: FastAPI, client: httpx.AsyncClient, components: Components
) -> None:
    await web_sign_in(client, components, ["viewer"])
    csrf = await home_csrf(client)
    checked = 0
    for method, path, perms in pages(app)[0]:
        if perms <= {AUTHENTICATED, "images.read", "images.verify"}:
            continue  # a viewer holds these
        response = await client.request(method, url(path), headers={"x-csrf-token": csrf})
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        assert "<h1>Not allowed</h1>" in response.text
        checked += 1
    assert checked >= 2
