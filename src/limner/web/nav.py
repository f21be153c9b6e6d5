"""The navigation: a link appears only for people who may use it."""

from __future__ import annotations

from dataclasses import dataclass

from limner.identity.schemas import AUTHENTICATED, Permission, Principal


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    permission: str


NAV: tuple[NavItem, ...] = (
    NavItem("Generate", "/", Permission.IMAGES_GENERATE),
    NavItem("Gallery", "/gallery", AUTHENTICATED),
    NavItem("Collections", "/collections", AUTHENTICATED),
    NavItem("Templates", "/templates", Permission.IMAGES_GENERATE),
    NavItem("My shares", "/shares", AUTHENTICATED),
    NavItem("Training", "/training", AUTHENTICATED),
    NavItem("Review", "/review", Permission.REVIEW_DECIDE),
    NavItem("Verify", "/verify", Permission.VERIFY),
    NavItem("Audit", "/audit", Permission.AUDIT_READ),
    NavItem("Privacy", "/admin/privacy", Permission.PRIVACY_MANAGE),
    NavItem("Usage", "/admin/usage", Permission.USAGE_READ),
    NavItem("Admin", "/admin", Permission.USERS_MANAGE),
    NavItem("My data", "/my-data", AUTHENTICATED),
    NavItem("Passkeys", "/account/passkeys", AUTHENTICATED),
)


def nav_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for item in NAV if principal.can(item.permission)]
