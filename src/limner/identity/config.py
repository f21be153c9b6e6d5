"""Settings for identity and access control: sessions, sign-in throttling, MFA, SSO and limits.

The `[identity.quotas]` table is usage's section: limner.settings adds it to this one (identity sits
below usage and does not read it)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEFAULT_MFA_ROLES = ["admin", "auditor", "privacy", "reviewer", "brand"]


class SessionSettings(BaseModel):
    cookie_name: str = "limner_session"
    csrf_cookie_name: str = "limner_csrf"
    cookie_secure: bool = Field(
        default=True, description="Secure cookies; may be turned off only with env=test or env=dev"
    )
    idle_timeout_s: int = Field(default=30 * 60, ge=60)
    absolute_timeout_s: int = Field(default=12 * 3600, ge=300)
    pending_mfa_timeout_s: int = Field(default=5 * 60, ge=30, description="Half-authenticated sessions")


class LoginSettings(BaseModel):
    password_min_length: int = Field(default=12, ge=8)
    free_failures: int = Field(default=3, ge=1, description="Failures before delays start")
    base_delay_s: int = Field(default=2, ge=1, description="First delay; doubles with each failure")
    max_delay_s: int = Field(default=300, ge=1)
    lockout_failures: int = Field(default=10, ge=2, description="Failures that lock for lockout_s")
    lockout_s: int = Field(default=15 * 60, ge=60)
    failure_window_s: int = Field(default=24 * 3600, ge=60, description="Failures older than this reset")
    reset_token_ttl_s: int = Field(default=24 * 3600, ge=300)


class MfaSettings(BaseModel):
    required_roles: list[str] = Field(default_factory=lambda: list(DEFAULT_MFA_ROLES))
    required_for_everyone: bool = False
    issuer: str = Field(default="Limner", description="Shown in authenticator apps")
    rp_id: str | None = Field(default=None, description="WebAuthn RP id; default: public URL host")
    origin: str | None = Field(default=None, description="WebAuthn origin; default: public URL")
    step_up_allows_api_keys: bool = Field(
        default=False, description="Let API keys pass require_recent_mfa (they cannot do MFA)"
    )
    step_up_max_age_s: int = Field(
        default=300, ge=30, le=86_400, description="How recent MFA must be for sensitive actions (step-up)"
    )


class ClaimMapping(BaseModel):
    groups_claim: str = "groups"
    email_claim: str = "email"
    name_claim: str = "name"
    groups: dict[str, str] = Field(default_factory=dict, description="IdP group -> Limner group")
    roles: dict[str, list[str]] = Field(default_factory=dict, description="IdP group -> Limner roles")
    default_roles: list[str] = Field(default_factory=lambda: ["viewer"])


class OidcProviderConfig(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    issuer: str
    client_id: str
    client_secret: SecretStr
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    mapping: ClaimMapping = Field(default_factory=ClaimMapping)
    jit_provisioning: bool = True
    http_timeout_s: float = 10.0
    allow_insecure_http: bool = Field(default=False, description="Only for a loopback test IdP")


class AccessRule(BaseModel):
    """Limits for one role or group (key 'group:<name>'). None means no limit on that field."""

    models: list[str] | None = None
    sizes: list[str] | None = None
    qualities: list[str] | None = None
    max_n: int | None = Field(default=None, ge=1)


class IdentitySettings(BaseModel):
    custom_roles: dict[str, list[str]] = Field(
        default_factory=dict, description="Extra roles: name -> permissions"
    )
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    login: LoginSettings = Field(default_factory=LoginSettings)
    mfa: MfaSettings = Field(default_factory=MfaSettings)
    oidc: list[OidcProviderConfig] = Field(default_factory=list)
    access: dict[str, AccessRule] = Field(
        default_factory=dict, description="Per role, or 'group:<name>', model allow-lists and limits"
    )
    scim_default_roles: list[str] = Field(default_factory=lambda: ["viewer"])
    scim_manages_only_provisioned: bool = Field(
        default=True,
        description="SCIM sees and changes only the users and groups it created, never local accounts",
    )
