"""Unit: who must use MFA, the step-up freshness rule, and the WebAuthn relying party from settings.

Twin: tests/integration/identity/mfa/test_totp_factors.py (MFA through the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from limner.errors import PermissionDeniedError
from limner.identity.config import MfaSettings
from limner.identity.mfa import policy
from limner.identity.mfa.passkeys import RelyingParty
from limner.identity.mfa.policy import check_step_up, mfa_required
from limner.identity.schemas import Principal

DEFAULT = MfaSettings()


@pytest.mark.parametrize(
    ("roles", "cfg", "required"),
    [
        (["admin"], DEFAULT, True),
        (["creator", "reviewer"], DEFAULT, True),
        (["creator"], DEFAULT, False),
        ([], DEFAULT, False),
        (["creator"], MfaSettings(required_for_everyone=True), True),
        (["admin"], MfaSettings(required_roles=[]), False),
        (["creator"], MfaSettings(required_roles=["creator"]), True),
    ],
)
def test_mfa_is_required_for_configured_roles_or_everyone(
    roles: list[str], cfg: MfaSettings, required: bool
) -> None:
    assert mfa_required(roles, cfg) is required


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The step-up rule reads utcnow(): freeze it, so an MFA age is exact however long the run takes."""
    monkeypatch.setattr(policy, "utcnow", lambda: NOW)


def principal(via: str, mfa_age_s: int | None) -> Principal:
    mfa_at = None if mfa_age_s is None else NOW - timedelta(seconds=mfa_age_s)
    return Principal(
        user_id="u",
        email="u@x.test",
        kind="person",
        roles=frozenset(),
        permissions=frozenset(),
        pseudonym="p",
        via=via,
        mfa_at=mfa_at,
    )


@pytest.mark.parametrize(
    ("caller", "cfg", "max_age_s", "allowed"),
    [
        (principal("session", 10), DEFAULT, None, True),
        (principal("session", 300), DEFAULT, None, True),  # exactly step_up_max_age_s (300)
        (principal("session", 301), DEFAULT, None, False),
        (principal("session", 400), DEFAULT, 600, True),  # a route may allow a longer window
        (principal("session", 100), DEFAULT, 60, False),  # ... or demand a shorter one
        (principal("session", None), DEFAULT, None, False),  # never did MFA
        (principal("api_key", None), DEFAULT, None, False),
        (principal("api_key", 10), DEFAULT, None, False),  # a key cannot carry an MFA time
        (principal("api_key", None), MfaSettings(step_up_allows_api_keys=True), None, True),
        (principal("session", None), MfaSettings(step_up_allows_api_keys=True), None, False),
    ],
)
def test_step_up_needs_a_recent_mfa_on_a_session(
    caller: Principal, cfg: MfaSettings, max_age_s: int | None, allowed: bool
) -> None:
    if allowed:
        assert check_step_up(caller, cfg, max_age_s) is caller
    else:
        with pytest.raises(PermissionDeniedError) as raised:
            check_step_up(caller, cfg, max_age_s)
        assert raised.value.code == "mfa_step_up_required"


@pytest.mark.parametrize(
    ("cfg", "public_url", "expected"),
    [
        (MfaSettings(), "https://limner.example/", ("limner.example", "https://limner.example")),
        (MfaSettings(), "https://limner.example:8443", ("limner.example", "https://limner.example:8443")),
        (MfaSettings(origin="https://app.example/"), "https://x", ("app.example", "https://app.example")),
        (
            MfaSettings(rp_id="example", origin="https://a.example"),
            "https://x",
            ("example", "https://a.example"),
        ),
        (MfaSettings(), "", ("localhost", "")),
    ],
)
def test_the_relying_party_comes_from_mfa_settings_else_the_public_url(
    cfg: MfaSettings, public_url: str, expected: tuple[str, str]
) -> None:
    rp = RelyingParty.from_settings(cfg, public_url)
    assert (rp.rp_id, rp.origin) == expected
    assert rp.name == cfg.issuer
