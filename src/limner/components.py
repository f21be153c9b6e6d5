"""Build every backend from settings: the only place that does. The app and the CLI share it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from limner.audit.service import AuditRuntime, install_audit
from limner.audit.signing import build_checkpoint_signer
from limner.db import make_engine, make_sessions
from limner.errors import ConfigError
from limner.generation.backends import ImageBackend, build_backend
from limner.generation.image_work import ImageWork, build_image_work
from limner.identity.principal_cache import PrincipalCache, install_version_tracking
from limner.moderation.providers.base import ImageModerator
from limner.moderation.service import build_moderators, close_moderators
from limner.policy.engine import AllowAllPolicy, PromptPolicy
from limner.provenance.base import NoProvenance, Provenance
from limner.provenance.stamp import build_provenance
from limner.provenance.verify import Verifier, build_verifier
from limner.settings import Settings
from limner.usage.counters import CounterStore, build_counter_store
from limner.vault.blob_stores import BlobStore, BlobStoreConfig, build_blob_store
from limner.vault.blob_stores.database import DatabaseBlobConfig
from limner.vault.key_providers import KeyProvider, build_key_provider


@dataclass
class Components:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    backends: dict[str, ImageBackend]
    policy: PromptPolicy
    key_provider: KeyProvider
    blob_store: BlobStore
    image_work: ImageWork
    provenance: Provenance = field(default_factory=NoProvenance)
    moderators: list[ImageModerator] = field(default_factory=list)
    counters: CounterStore | None = None
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    _verifier: Verifier | None = None

    @property
    def verifier(self) -> Verifier:
        """Built on first use: reads the watermark key and our certificate chain."""
        if self._verifier is None:
            self._verifier = build_verifier(self.settings.provenance, self.settings.data_dir)
        return self._verifier

    @property
    def secret_key(self) -> bytes:
        return self.settings.secret_key.get_secret_value().encode()

    async def aclose(self) -> None:
        for backend in self.backends.values():
            await backend.aclose()
        await self.image_work.aclose()
        await close_moderators(self.moderators)
        await self.policy.aclose()
        if self.counters is not None:
            await self.counters.aclose()
        await self.engine.dispose()


def build_components(settings: Settings) -> Components:
    _check_catalog(settings)
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    sessions = make_sessions(engine)
    signer = build_checkpoint_signer(settings.vault.key_provider, data_dir=settings.data_dir)
    install_version_tracking()
    install_audit(sessions, AuditRuntime(signer=signer, checkpoint_every=settings.audit.checkpoint_every))
    provenance = build_provenance(settings.provenance, settings.data_dir)
    moderators = build_moderators(settings.moderation)
    return Components(
        settings=settings,
        engine=engine,
        sessions=sessions,
        backends={name: build_backend(cfg) for name, cfg in settings.generation.backends.items()},
        policy=_policy(settings, sessions),
        key_provider=build_key_provider(settings.vault.key_provider, data_dir=settings.data_dir),
        blob_store=build_blob_store(_blob_config(settings), data_dir=settings.data_dir, sessions=sessions),
        provenance=provenance,
        moderators=moderators,
        counters=build_counter_store(settings.identity.quotas.store, sessions),
        image_work=build_image_work(
            workers=settings.server.image_workers,
            moderation=settings.moderation,
            moderators=moderators,
            provenance=provenance,
            provenance_settings=settings.provenance,
            data_dir=settings.data_dir,
        ),
    )


def _policy(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> PromptPolicy:
    if not settings.policy.enabled:
        return AllowAllPolicy()
    from limner.policy.active import ActivePolicy  # detectors load data: only when the policy runs

    return ActivePolicy(sessions, refresh_s=settings.policy.refresh_s)


def _blob_config(settings: Settings) -> BlobStoreConfig:
    """Cluster mode (a database other than SQLite) keeps blobs in the database unless one is configured,
    so replicas share them without a shared volume."""
    clustered = not settings.database_url.startswith("sqlite")
    if clustered and "blob_store" not in settings.vault.model_fields_set:
        return DatabaseBlobConfig()
    return settings.vault.blob_store


def _check_catalog(settings: Settings) -> None:
    for spec in settings.generation.models:
        if spec.backend not in settings.generation.backends:
            raise ConfigError(f"model '{spec.id}' names backend '{spec.backend}', which is not configured")
