"""Integration: the authorization matrix, generated from the app's route table.

Every route x every built-in role x {API key, session without recent MFA, session with recent MFA}: a
route must declare its permission (or be in PUBLIC_ROUTES), callers with it get past authorization,
callers without it get 403 naming it. Sensitive routes (step-up) also need a session whose MFA is recent:
an API key or a session verified an hour ago gets 403 mfa_step_up_required."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from limner.components import Components, build_components
from limner.db import utcnow
from limner.deps import ANY_SESSION
from limner.identity.keys import service as key_service
from limner.identity.public import PUBLIC_ROUTES
from limner.identity.schemas import AUTHENTICATED, ROLE_PERMISSIONS, permissions_for
from limner.identity.sessions.service import start_session
from limner.main import create_app
from limner.web.route import WebRoute
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller, make_user

ROLES = sorted(ROLE_PERMISSIONS)
STEP_UP = "step-up"
MARKERS = {AUTHENTICATED, ANY_SESSION, STEP_UP}
VIAS = ("key", "session", "session+mfa")  # session: MFA an hour ago; session+mfa: MFA just now


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    permissions: frozenset[str]

    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", "x", self.path)


def _declared(dependant: Any) -> set[str]:
    found: set[str] = set()
    for dep in dependant.dependencies:
        if hasattr(dep.call, "required_permission"):
            found.add(str(dep.call.required_permission))
        if getattr(dep.call, "step_up", False):
            found.add(STEP_UP)
        found |= _declared(dep)
    return found


def endpoints(app: FastAPI) -> tuple[list[Endpoint], list[str]]:
    """(endpoints that need credentials, routes that declare nothing and are not public)."""
    found, undeclared = [], []
    for route in iter_route_contexts(app.router.routes):
        if isinstance(route.original_route, WebRoute):  # pages answer in HTML: see tests/integration/web
            continue
        dependant = getattr(route, "dependant", None)
        for method in sorted(route.methods or []):
            if (method, route.path) in PUBLIC_ROUTES:
                continue
            perms = frozenset(_declared(dependant)) if dependant is not None else frozenset()
            if (getattr(route, "openapi_extra", None) or {}).get("x-limner-step-up"):
                perms |= {STEP_UP}
            if not perms:
                undeclared.append(f"{method} {route.path}")
            else:
                found.append(Endpoint(method, str(route.path), perms))
    return found, undeclared


async def credentials(c: Components, role: str, via: str) -> dict[str, str]:
    user = await make_user(c, roles=[role])
    async with c.sessions.begin() as session:
        if via == "key":
            _, key = await key_service.create_api_key(session, owner=user, secret_key=c.secret_key)
            return {"Authorization": f"Bearer {key}"}
        issued = await start_session(
            session,
            user_id=user.id,
            secret_key=c.secret_key,
            cfg=c.settings.identity.sessions,
            mfa_pending=False,
            method="password",
            client_ip=None,
            mfa_at=utcnow() if via == "session+mfa" else utcnow() - timedelta(hours=1),
        )
    cookie = f"{c.settings.identity.sessions.cookie_name}={issued.token}"
    return {"Cookie": cookie, "x-csrf-token": issued.csrf_token}


def permitted(endpoint: Endpoint, role: str) -> bool:
    held = permissions_for([role])
    return all(p in held for p in endpoint.permissions - MARKERS)


def allowed(endpoint: Endpoint, role: str, via: str) -> bool:
    stepped_up = STEP_UP not in endpoint.permissions or via == "session+mfa"
    if ANY_SESSION in endpoint.permissions:
        return via != "key" and stepped_up
    stepped_up = STEP_UP not in endpoint.permissions or via == "session+mfa"
    return permitted(endpoint, role) and stepped_up


def check(endpoint: Endpoint, role: str, via: str, response: httpx.Response) -> str | None:
    """A problem description, or None when the response is what the matrix expects."""
    where = f"{endpoint.method} {endpoint.path} as {role} via {via}: {response.status_code}"
    if allowed(endpoint, role, via):
        return f"{where}, expected to pass authorization" if response.status_code in (401, 403) else None
    if ANY_SESSION in endpoint.permissions and via == "key":
        return None if response.status_code == 401 else f"{where}, expected 401 (sessions only)"
    if response.status_code != 403:
        return f"{where}, expected 403"
    body = response.json()
    if endpoint.path.startswith("/scim/"):
        return None if body.get("status") == "403" else f"{where}, expected a SCIM error"
    error = body["error"]
    if ANY_SESSION in endpoint.permissions or permitted(
        endpoint, role
    ):  # the permission is held: only the step-up is missing
        return None if error["code"] == "mfa_step_up_required" else f"{where}, expected a step-up: {error}"
    missing = sorted(endpoint.permissions - MARKERS - permissions_for([role]))
    if error["code"] != "permission_denied" or missing[0] not in error["message"]:
        return f"{where}, expected permission_denied naming {missing[0]}: {error}"
    return None


def test_every_route_declares_a_permission_or_is_public(app: FastAPI) -> None:
    found, undeclared = endpoints(app)
    assert undeclared == [], (
        "these routes neither declare a permission (dependencies=[Depends(require(...))]) "
        f"nor appear in limner.identity.public.PUBLIC_ROUTES: {undeclared}"
    )
    assert len(found) > 40


async def test_every_route_for_every_role_and_credential(
    app: FastAPI, client: httpx.AsyncClient, components: Components
) -> None:
    found, _ = endpoints(app)
    problems, checked = [], 0
    for role in ROLES:
        for via in VIAS:
            reused = await credentials(components, role, via)
            for endpoint in found:
                # Sign-out endpoints end the caller's session: they get credentials of their own.
                headers = await credentials(components, role, via) if "logout" in endpoint.path else reused
                body: dict[str, object] | None = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
                response = await client.request(endpoint.method, endpoint.url(), headers=headers, json=body)
                checked += 1
                if problem := check(endpoint, role, via, response):
                    problems.append(problem)
    assert problems == [], "\n".join(problems)
    assert checked == len(found) * len(ROLES) * len(VIAS)


def test_sensitive_routes_need_a_step_up(app: FastAPI) -> None:
    found, _ = endpoints(app)
    stepped = {f"{e.method} {e.path}" for e in found if STEP_UP in e.permissions}
    for route in (
        "POST /v1/limner/reviews/{review_id}/prompt",
        "GET /v1/limner/audit/export",
        "POST /v1/limner/privacy/exports",
        "POST /v1/limner/privacy/erasures",
        "POST /v1/limner/privacy/holds",
        "POST /v1/limner/privacy/holds/{hold_id}/release",
        "PATCH /v1/limner/admin/users/{user_id}",
    ):
        assert route in stepped, route


async def test_api_keys_pass_the_step_up_only_when_configured(data_dir: Path, components: Components) -> None:
    """identity.mfa.step_up_allows_api_keys: off (the default) refuses an auditor's key, on lets it pass."""
    for allow, status in ((False, 403), (True, 200)):
        settings = make_settings(data_dir, identity={"mfa": {"step_up_allows_api_keys": allow}})
        c = build_components(settings)
        try:
            await create_schema(c.engine)
            caller = await make_caller(c, roles=["auditor"])
            transport = httpx.ASGITransport(app=create_app(components=c))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                resp = await http.get("/v1/limner/audit/export", headers=caller.headers)
            assert resp.status_code == status, (allow, resp.text)
            if status == 403:
                assert resp.json()["error"]["code"] == "mfa_step_up_required"
        finally:
            await c.aclose()


async def test_public_routes_need_no_credentials(client: httpx.AsyncClient) -> None:
    for method, path in sorted(PUBLIC_ROUTES):
        if method in ("GET", "HEAD") and "{" not in path:
            response = await client.request(method, path)
            assert response.status_code not in (401, 403), f"{method} {path}: {response.status_code}"
