"""Build every backend from settings: the only place that does. The app and the CLI share it.

The database, the audit runtime (checkpoint signer) and the principal cache are built at once; every
other part is built on first use, so a CLI verb that only reads users never loads the image moderator,
the image backends or the policy's detectors. Tests may assign any part to replace it."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from limner.audit.service import AuditRuntime, install_audit
from limner.audit.signing import CheckpointSigner, build_checkpoint_signer
from limner.db import make_engine, make_sessions
from limner.education import gate
from limner.errors import ConfigError
from limner.generation.backends import ImageBackend, build_backend
from limner.generation.image_work import ImageWork, build_image_work
from limner.identity import principal_cache
from limner.moderation.providers.base import ImageModerator
from limner.moderation.service import build_moderators, close_moderators
from limner.policy.engine import AllowAllPolicy, PromptPolicy
from limner.provenance.base import Provenance
from limner.provenance.stamp import build_provenance
from limner.provenance.verify import Verifier, build_verifier
from limner.settings import Settings
from limner.usage.config import CounterStoreConfig, QuotaSettings, RedisCounterConfig
from limner.usage.counters import CounterStore, build_counter_store
from limner.vault.blob_stores import BlobStore, BlobStoreConfig, build_blob_store
from limner.vault.blob_stores.database import DatabaseBlobConfig
from limner.vault.key_providers import KeyProvider, build_key_provider


class Components:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditRuntime,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.principals = principal_cache.PrincipalCache()
        self.training_gates = gate.TrainingGateCache()
        self.audit = audit

    @property
    def audit(self) -> AuditRuntime:
        """The checkpoint signer and interval every `record` in a session from `sessions` uses."""
        return self._audit

    @audit.setter
    def audit(self, runtime: AuditRuntime) -> None:
        self._audit = runtime
        install_audit(self.sessions, runtime)

    @property
    def audit_signer(self) -> CheckpointSigner:
        if self._audit.signer is None:
            raise ConfigError("the audit log has no checkpoint signer")
        return self._audit.signer

    @property
    def quota_settings(self) -> QuotaSettings:
        return self.settings.identity.quotas

    @property
    def secret_key(self) -> bytes:
        return self.settings.secret_key.get_secret_value().encode()

    def built(self, part: str) -> bool:
        """Whether the part named `part` (e.g. "moderators") was built; parts are built on first use."""
        return part in self.__dict__

    @cached_property
    def backends(self) -> dict[str, ImageBackend]:
        return {name: build_backend(cfg) for name, cfg in self.settings.generation.backends.items()}

    @cached_property
    def policy(self) -> PromptPolicy:
        if not self.settings.policy.enabled:
            return AllowAllPolicy()
        from limner.policy.active import ActivePolicy  # detectors load data: only when the policy runs

        return ActivePolicy(self.sessions, refresh_s=self.settings.policy.refresh_s)

    @cached_property
    def key_provider(self) -> KeyProvider:
        return build_key_provider(self.settings.vault.key_provider, data_dir=self.settings.data_dir)

    @cached_property
    def blob_store(self) -> BlobStore:
        return build_blob_store(
            _blob_config(self.settings), data_dir=self.settings.data_dir, sessions=self.sessions
        )

    @cached_property
    def provenance(self) -> Provenance:
        return build_provenance(self.settings.provenance, self.settings.data_dir)

    @cached_property
    def moderators(self) -> list[ImageModerator]:
        return build_moderators(self.settings.moderation)

    @cached_property
    def counters(self) -> CounterStore:
        return build_counter_store(_counter_config(self.settings), self.sessions)

    @cached_property
    def image_work(self) -> ImageWork:
        s = self.settings
        return build_image_work(
            workers=s.server.image_workers,
            moderation=s.moderation,
            moderators=self.moderators,
            provenance=self.provenance,
            provenance_settings=s.provenance,
            data_dir=s.data_dir,
        )

    @cached_property
    def verifier(self) -> Verifier:
        """Reads the watermark key and our certificate chain."""
        return build_verifier(self.settings.provenance, self.settings.data_dir)

    def build_all(self) -> None:
        """Build every serving part now, so the server fails at start, not on its first request."""
        for part in ("backends", "policy", "key_provider", "blob_store", "counters", "image_work"):
            getattr(self, part)

    async def aclose(self) -> None:
        """Close what was built; a part never used is never built just to be closed."""
        if self.built("backends"):
            for backend in self.backends.values():
                await backend.aclose()
        if self.built("image_work"):
            await self.image_work.aclose()
        if self.built("moderators"):
            await close_moderators(self.moderators)
        if self.built("policy"):
            await self.policy.aclose()
        if self.built("counters"):
            await self.counters.aclose()
        await self.engine.dispose()


def build_components(settings: Settings) -> Components:
    _check_catalog(settings)
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    sessions = make_sessions(engine)
    signer = build_checkpoint_signer(settings.vault.key_provider, data_dir=settings.data_dir)
    principal_cache.COUNTER.install()
    gate.COUNTER.install()
    audit = AuditRuntime(signer=signer, checkpoint_every=settings.audit.checkpoint_every)
    return Components(settings=settings, engine=engine, sessions=sessions, audit=audit)


def _blob_config(settings: Settings) -> BlobStoreConfig:
    """Cluster mode (a database other than SQLite) keeps blobs in the database unless one is configured,
    so replicas share them without a shared volume."""
    clustered = not settings.database_url.startswith("sqlite")
    if clustered and "blob_store" not in settings.vault.model_fields_set:
        return DatabaseBlobConfig()
    return settings.vault.blob_store


def _counter_config(settings: Settings) -> CounterStoreConfig:
    """With a shared Redis (redis.url) the quota counters live there unless a store is configured:
    Redis answers the per-request check without a database write."""
    quotas = settings.identity.quotas
    if settings.redis.url and "store" not in quotas.model_fields_set:
        return RedisCounterConfig(url=settings.redis.url)
    return quotas.store


def _check_catalog(settings: Settings) -> None:
    for spec in settings.generation.models:
        if spec.backend not in settings.generation.backends:
            raise ConfigError(f"model '{spec.id}' names backend '{spec.backend}', which is not configured")
