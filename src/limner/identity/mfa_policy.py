"""Who must use MFA: roles from config (admin, auditor, reviewer by default), or everyone."""

from __future__ import annotations

from collections.abc import Iterable

from limner.identity.config import MfaSettings


def mfa_required(roles: Iterable[str], cfg: MfaSettings) -> bool:
    return cfg.required_for_everyone or bool(set(roles) & set(cfg.required_roles))
