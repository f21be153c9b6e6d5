"""Who must use MFA (roles from config, or everyone), and how recent it must be for sensitive actions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from limner.db import utcnow
from limner.errors import PermissionDeniedError
from limner.identity.config import MfaSettings
from limner.identity.schemas import Principal


def mfa_required(roles: Iterable[str], cfg: MfaSettings) -> bool:
    return cfg.required_for_everyone or bool(set(roles) & set(cfg.required_roles))


def check_step_up(principal: Principal, cfg: MfaSettings, max_age_s: int | None = None) -> Principal:
    """The caller completed MFA within `max_age_s` seconds (None: identity.mfa.step_up_max_age_s).
    API keys cannot do MFA, so they are refused unless identity.mfa.step_up_allows_api_keys is set."""
    if principal.via == "api_key" and cfg.step_up_allows_api_keys:
        return principal
    max_age = timedelta(seconds=max_age_s if max_age_s is not None else cfg.step_up_max_age_s)
    fresh = principal.mfa_at is not None and utcnow() - principal.mfa_at <= max_age
    if principal.via != "session" or not fresh:
        raise PermissionDeniedError(
            "This action needs a recent multi-factor verification. Verify again and retry.",
            code="mfa_step_up_required",
        )
    return principal
