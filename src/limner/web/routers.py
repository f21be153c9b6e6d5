"""Every web page router, in one list for install_web."""

from __future__ import annotations

from fastapi import APIRouter


def web_routers() -> list[APIRouter]:
    from limner.web import (
        access_pages,
        admin_pages,
        again_routes,
        audit_pages,
        coach_routes,
        collection_pages,
        edit_routes,
        gallery_routes,
        generate_routes,
        mfa_pages,
        passkey_pages,
        policy_pages,
        privacy_pages,
        quota_routes,
        review_pages,
        share_routes,
        signin_routes,
        template_pages,
        training_admin_pages,
        training_pages,
        usage_pages,
    )

    return [
        signin_routes.router,
        mfa_pages.router,
        passkey_pages.router,
        generate_routes.router,
        again_routes.router,
        coach_routes.router,
        quota_routes.router,
        collection_pages.router,
        gallery_routes.router,
        edit_routes.router,
        share_routes.router,
        template_pages.router,
        training_pages.router,
        review_pages.router,
        admin_pages.router,
        access_pages.router,
        audit_pages.router,
        training_admin_pages.router,
        policy_pages.router,
        privacy_pages.router,
        usage_pages.router,
    ]
