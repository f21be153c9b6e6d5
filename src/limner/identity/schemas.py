"""Identity's shared vocabulary: permissions, built-in roles, the Principal, and the strict base every
identity request body shares (unknown fields are refused)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from limner.identity.config import AccessRule

# Not a permission: routes any signed-in caller may use (their own account) declare this.
AUTHENTICATED = "authenticated"


class Permission(StrEnum):
    IMAGES_GENERATE = "images.generate"
    IMAGES_EDIT = "images.edit"
    IMAGES_READ = "images.read"
    MODELS_ALL = "model:*"
    QUALITY_HD = "quality:hd"
    REVIEW_DECIDE = "review.decide"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    PROMPTS_REVEAL = "prompts.reveal"
    USERS_MANAGE = "users.manage"
    POLICY_MANAGE = "policy.manage"
    KEYS_MANAGE = "keys.manage"
    PRIVACY_MANAGE = "privacy.manage"
    SCIM = "scim"
    VERIFY = "images.verify"
    ALERTS_MANAGE = "alerts.manage"
    USAGE_READ = "usage.read"
    METRICS = "metrics"
    EDUCATION_MANAGE = "education.manage"
    EDUCATION_REPORT = "education.report"
    IMAGES_SHARE_EXTERNAL = "images.share_external"  # external links; grant it through roles or custom roles
    TEMPLATES_MANAGE = "templates.manage"  # publish and retire approved prompt templates


_CREATE = {
    Permission.IMAGES_GENERATE,
    Permission.IMAGES_EDIT,
    Permission.IMAGES_READ,
    Permission.MODELS_ALL,
    Permission.QUALITY_HD,
    Permission.VERIFY,
}
ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "admin": frozenset(Permission) - {Permission.SCIM},
    # Duties are split: the auditor reads; the privacy officer erases, exports and sets legal holds.
    "auditor": frozenset(
        {
            Permission.AUDIT_READ,
            Permission.AUDIT_EXPORT,
            Permission.VERIFY,
            Permission.PROMPTS_REVEAL,
            Permission.ALERTS_MANAGE,
            Permission.USAGE_READ,
            Permission.EDUCATION_REPORT,
        }
    ),
    "privacy": frozenset({Permission.PRIVACY_MANAGE, Permission.AUDIT_READ, Permission.VERIFY}),
    "reviewer": frozenset({Permission.REVIEW_DECIDE, Permission.VERIFY, Permission.IMAGES_READ}),
    "creator": frozenset(_CREATE),
    "brand": frozenset({*_CREATE, Permission.TEMPLATES_MANAGE}),  # the brand team's approved templates
    "viewer": frozenset({Permission.VERIFY, Permission.IMAGES_READ}),
    "scim": frozenset({Permission.SCIM}),
    "monitor": frozenset({Permission.METRICS}),  # a Prometheus scraper's service key
}


def model_permission(model_id: str) -> str:
    return f"model:{model_id}"


def permissions_for(roles: Iterable[str], custom: Mapping[str, list[str]] | None = None) -> frozenset[str]:
    """The union of the roles' permissions; unknown roles grant nothing."""
    table = {**ROLE_PERMISSIONS, **{k: frozenset(v) for k, v in (custom or {}).items()}}
    return frozenset().union(*(table.get(role, frozenset()) for role in roles))


def known_roles(custom: Mapping[str, list[str]] | None = None) -> list[str]:
    return sorted({*ROLE_PERMISSIONS, *(custom or {})})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they may do right now (owner's current roles ∩ key scope)."""

    user_id: str
    email: str
    kind: str
    roles: frozenset[str]
    permissions: frozenset[str]
    pseudonym: str
    via: str  # api_key | session
    api_key_id: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    mfa_at: datetime | None = None  # sessions only: when MFA last succeeded
    session_id: str | None = None  # the stored (hashed) session id, never the cookie value
    limits: tuple[AccessRule, ...] = ()  # settings.identity.access rules for these roles and groups

    def can(self, permission: str) -> bool:
        return permission == AUTHENTICATED or permission in self.permissions

    def can_use_model(self, model_id: str) -> bool:
        return self.can(Permission.MODELS_ALL) or self.can(model_permission(model_id))


PermissionCheck = Callable[[Principal], None]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
