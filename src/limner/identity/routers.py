"""Every identity router, in one list for create_app."""

from __future__ import annotations

from fastapi import APIRouter


def identity_routers() -> list[APIRouter]:
    from limner.identity.accounts import routes as admin_routes
    from limner.identity.keys import routes as key_routes
    from limner.identity.mfa import routes as mfa_routes
    from limner.identity.scim import routes as scim_routes
    from limner.identity.sessions import routes as auth_routes
    from limner.identity.sso import routes as oidc_routes

    return [
        auth_routes.router,
        mfa_routes.router,
        oidc_routes.router,
        admin_routes.router,
        key_routes.router,
        scim_routes.discovery,
        scim_routes.router,
        scim_routes.fallback,  # last: unknown /scim/v2 paths get a SCIM 404
    ]
