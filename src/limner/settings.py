"""Limner's settings: one nested section per domain, read from the data dir's config.toml and the
environment (prefix LIMNER_, nested with __), validated once at start-up. Nothing is read at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from limner.audit.config import AuditSettings
from limner.education.config import EducationSettings
from limner.generation.config import GenerationSettings
from limner.identity.config import IdentitySettings
from limner.logs import LoggingSettings
from limner.moderation.config import ModerationSettings
from limner.policy.config import PolicySettings
from limner.privacy.config import PrivacySettings
from limner.provenance.config import ProvenanceSettings
from limner.review.config import ReviewSettings
from limner.tracing import TracingSettings
from limner.usage.alerts.config import AlertSettings
from limner.usage.config import QuotaSettings
from limner.vault.config import VaultSettings

CONFIG_FILE = "config.toml"
PLACEHOLDER_SECRETS = {"", "changethis", "dev-secret-change-me"}


class DatabaseSettings(BaseSettings):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: SQLite file limner.db in the data dir",
    )
    echo: bool = False


class RedisSettings(BaseSettings):
    """One Redis every replica shares. When set, the quota counters live there unless
    identity.quotas.store names a store of its own."""

    url: str | None = Field(default=None, description="e.g. redis://redis:6379/0; default: no Redis")


class ServerSettings(BaseSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = Field(default=None, description="URL clients use; default http://host:port")
    max_json_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    hsts_max_age_s: int = 31_536_000
    image_workers: int = Field(
        default=-1,
        ge=-1,
        le=64,
        description="Processes running the image stages; -1: one per core; 0: threads of the server process",
    )


class IdentitySection(IdentitySettings):
    """identity.*: the identity domain's own settings, plus the quotas usage enforces. Operators have
    always written quotas under [identity.quotas]; identity itself sits below usage and never reads them."""

    quotas: QuotaSettings = Field(default_factory=QuotaSettings)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIMNER_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
        hide_input_in_errors=True,  # errors name the field, never quote its value (keys, passwords, URLs)
    )

    env: Literal["dev", "test", "prod"] = "prod"
    data_dir: Path = Path("data")
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC key for API keys and signed URLs; written by `limner init`",
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    identity: IdentitySection = Field(default_factory=IdentitySection)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    provenance: ProvenanceSettings = Field(default_factory=ProvenanceSettings)
    vault: VaultSettings = Field(default_factory=VaultSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    education: EducationSettings = Field(default_factory=EducationSettings)

    @model_validator(mode="after")
    def _enforce_real_secret(self) -> Settings:
        # A guessable HMAC key would let anyone forge signed image URLs; only tests may run without one.
        if self.env != "test" and self.secret_key.get_secret_value() in PLACEHOLDER_SECRETS:
            raise ValueError("secret_key is missing or a placeholder: run `limner init` first")
        return self

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'limner.db'}"

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then LIMNER_* variables, then the TOML file when the class names one (load_settings)."""
        toml = (TomlConfigSettingsSource(settings_cls),) if settings_cls.model_config.get("toml_file") else ()
        return (init_settings, env_settings, *toml)


def load_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings from <data_dir>/config.toml, overridden by LIMNER_* variables, then by `overrides`."""

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=data_dir / CONFIG_FILE)

    return FileSettings(data_dir=data_dir, **overrides)
