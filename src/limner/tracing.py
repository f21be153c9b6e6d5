"""OpenTelemetry tracing, off by default: server spans (FastAPI), client spans for vendor calls
(httpx), and Limner's own spans per pipeline stage (limner.observe). Needs `limner[tracing]`.

Spans carry routes, ids, models and timings; query strings (signed URLs) are stripped and prompt
text is never an attribute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

from limner.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

_URL_KEYS = ("url.full", "http.url")
_QUERY_KEYS = ("url.query", "http.target")


class TracingSettings(BaseModel):
    enabled: bool = False
    endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; "
        "default: the OTEL_EXPORTER_OTLP_* environment variables",
    )
    service_name: str = "limner"
    sample_ratio: float = Field(default=1.0, ge=0, le=1)


def build_tracer_provider(settings: TracingSettings) -> Any:
    """A TracerProvider exporting over OTLP/HTTP in batches; None when tracing is off."""
    if not settings.enabled:
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio
    except ImportError as exc:
        raise ConfigError("tracing.enabled needs `pip install 'limner[tracing]'`.") from exc
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=ParentBasedTraceIdRatio(settings.sample_ratio),
    )
    exporter = OTLPSpanExporter(endpoint=settings.endpoint) if settings.endpoint else OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def instrument(app: FastAPI, provider: Any) -> Any:
    """Server spans for `app`, client spans for httpx (process-wide); returns Limner's tracer."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        server_request_hook=_scrub_server,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],
    )
    httpx_instrumentor = HTTPXClientInstrumentor()
    if not httpx_instrumentor.is_instrumented_by_opentelemetry:
        httpx_instrumentor.instrument(tracer_provider=provider, async_request_hook=_scrub_client)
    return provider.get_tracer("limner")


def uninstrument_httpx() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().uninstrument()


def without_query(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]  # userinfo never leaves
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _scrub_server(span: Any, _scope: dict[str, Any]) -> None:
    # Our signed image URLs carry their signature in the query string.
    _scrub(span)


async def _scrub_client(span: Any, _request: Any) -> None:
    # Vendor image URLs carry signed query strings (and userinfo must never be recorded).
    _scrub(span)


def _scrub(span: Any) -> None:
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_KEYS:
        if key in attributes:
            span.set_attribute(key, without_query(str(attributes[key])))
    for key in _QUERY_KEYS:
        if key in attributes:
            span.set_attribute(key, str(attributes[key]).split("?", 1)[0] if key == "http.target" else "")
