"""create_app: routers, middleware, error handlers and the lifespan that builds components."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from limner import __version__
from limner.audit.jobs import audit_jobs
from limner.audit.routes import router as audit_router
from limner.components import Components, build_components
from limner.db import reading
from limner.deps import ComponentsDep
from limner.education.admin.routes import report_router as training_report_router
from limner.education.admin.routes import router as training_admin_router
from limner.education.routes import router as training_router
from limner.education.seed import ensure_defaults
from limner.errors import UnavailableError
from limner.generation.jobs import generation_jobs
from limner.generation.routes.azure import router as azure_router
from limner.generation.routes.images import router as generation_router
from limner.generation.routes.reviews import router as generation_review_router
from limner.http import RequestContextMiddleware, install_error_handlers
from limner.jobs import default_jobs, start_jobs, stop_jobs
from limner.observe import Instruments
from limner.openapi import install_openapi
from limner.privacy.jobs import privacy_jobs
from limner.privacy.routes import router as privacy_router
from limner.provenance.routes import router as provenance_router
from limner.review.routes import notifications_router
from limner.review.routes import router as review_router
from limner.settings import Settings
from limner.tracing import build_tracer_provider, instrument
from limner.usage.alerts.jobs import alert_jobs
from limner.usage.alerts.routes import router as alerts_router
from limner.usage.routes import metrics_router, report_router
from limner.usage.routes import router as usage_router


def create_app(
    settings: Settings | None = None,
    *,
    components: Components | None = None,
    tls: bool = False,
    run_jobs: bool = True,
    tracer_provider: Any = None,
) -> FastAPI:
    """The ASGI app. Pass `components` to share them (tests); otherwise the lifespan builds them.
    `tracer_provider` (an OpenTelemetry TracerProvider) overrides settings.tracing."""
    settings = settings or (components.settings if components else Settings())
    provider = tracer_provider or build_tracer_provider(settings.tracing)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = components is None
        app.state.components = components or build_components(settings)
        app.state.components.build_all()
        await app.state.components.policy.prepare()
        await ensure_defaults(app.state.components.sessions)  # the shipped training, on a new database
        c = app.state.components
        if owned:
            c.image_work.start()
        jobs = default_jobs() + audit_jobs(c) + privacy_jobs(c) + generation_jobs() + alert_jobs(c)
        tasks = start_jobs(c, jobs) if owned and run_jobs else []
        try:
            yield
        finally:
            await stop_jobs(tasks)
            if owned:
                await app.state.components.aclose()
            if provider is not None and tracer_provider is None:
                provider.shutdown()  # flush the spans still batched

    app = FastAPI(title="Limner", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    if components is not None:  # usable without running the lifespan (in-process test clients)
        app.state.components = components
    tracer = instrument(app, provider) if provider is not None else None
    app.state.instruments = Instruments(tracer=tracer)
    app.add_middleware(
        RequestContextMiddleware,
        max_json_bytes=settings.server.max_json_bytes,
        max_upload_bytes=settings.server.max_upload_bytes,
        hsts=tls,
        hsts_max_age_s=settings.server.hsts_max_age_s,
        instruments=app.state.instruments,
    )
    install_error_handlers(app)
    install_openapi(app, cookie_name=settings.identity.sessions.cookie_name)
    app.include_router(generation_router)
    app.include_router(azure_router)
    app.include_router(review_router)
    app.include_router(generation_review_router)
    app.include_router(notifications_router)
    app.include_router(provenance_router)
    app.include_router(metrics_router)
    app.include_router(audit_router)
    app.include_router(privacy_router)
    app.include_router(alerts_router)
    app.include_router(usage_router)
    app.include_router(report_router)
    for education_router in (training_router, training_admin_router, training_report_router):
        app.include_router(education_router)
    from limner.identity.routers import identity_routers  # identity: auth, MFA, SSO, admin, SCIM

    for identity_router in identity_routers():
        app.include_router(identity_router)
    from limner.web.install import install_web  # the workspace pages

    install_web(app)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    return app


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def readyz(c: ComponentsDep) -> dict[str, str]:
    try:
        async with reading(c.sessions) as session:  # a probe must not queue for SQLite's write lock
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        raise UnavailableError("The database is not reachable.") from exc
    await c.blob_store.check()
    for backend in c.backends.values():
        await backend.check()
    return {"status": "ready"}
