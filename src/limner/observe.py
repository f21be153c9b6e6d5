"""Metrics and trace spans for the request pipeline, kept off the hot path's cost: in-process counters
and histograms (no database query per request), and a span per stage only when tracing is on.

The app's instruments travel in a contextvar the request middleware sets, so pipeline code marks a
stage with one decorator and needs no extra argument; outside a request every call is a no-op."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram

P = ParamSpec("P")
T = TypeVar("T")

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Tracer(Protocol):
    """The part of an OpenTelemetry tracer Limner uses (limner.tracing builds one when enabled)."""

    def start_as_current_span(self, name: str, **kwargs: Any) -> Any: ...


class Instruments:
    """One app's metrics, in its own registry (several apps in one process never collide)."""

    def __init__(self, tracer: Tracer | None = None) -> None:
        self.registry = CollectorRegistry()
        self.tracer = tracer
        self._stages: dict[tuple[str, str], Any] = {}
        r = self.registry
        self.requests = Counter(
            "limner_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "limner_http_request_duration_seconds",
            "Time to the response head, by route template",
            ["method", "route"],
            buckets=_SECONDS,
            registry=r,
        )
        self.stage_seconds = Histogram(
            "limner_pipeline_stage_duration_seconds",
            "Time in each pipeline stage",
            ["stage", "outcome"],
            buckets=_SECONDS,
            registry=r,
        )
        self.decisions = Counter(
            "limner_policy_decisions",
            "Prompt policy findings by category and action",
            ["category", "action"],
            registry=r,
        )
        self.image_checks = Counter(
            "limner_image_checks",
            "Image check outcomes by action and category",
            ["action", "category"],
            registry=r,
        )
        self.upstream = Counter(
            "limner_upstream_requests",
            "Attempts to reach a vendor API, by host and outcome",
            ["backend", "outcome"],
            registry=r,
        )
        self.upstream_retries = Counter(
            "limner_upstream_retries", "Attempts repeated after a transient failure", ["backend"], registry=r
        )
        self.upstream_seconds = Histogram(
            "limner_upstream_request_duration_seconds",
            "Time per vendor API attempt",
            ["backend"],
            buckets=_SECONDS,
            registry=r,
        )

    def stage(self, name: str, outcome: str) -> Any:
        """The stage histogram's child, cached: labels() validates and locks on every call."""
        child = self._stages.get((name, outcome))
        if child is None:
            child = self._stages[(name, outcome)] = self.stage_seconds.labels(stage=name, outcome=outcome)
        return child


current: ContextVar[Instruments | None] = ContextVar("limner_instruments", default=None)


def stage(name: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Time an async pipeline stage (and give it a span when tracing is on)."""

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            instruments = current.get()
            if instruments is None:
                return await fn(*args, **kwargs)
            with _span(instruments, f"limner.{name}", {"limner.stage": name}):
                started, outcome = time.perf_counter(), "error"
                try:
                    result = await fn(*args, **kwargs)
                    outcome = "ok"
                    return result
                finally:
                    instruments.stage(name, outcome).observe(time.perf_counter() - started)

        return timed

    return decorate


@contextmanager
def span(name: str, attributes: dict[str, Any]) -> Iterator[Any]:
    """A span under the current one when tracing is on; nothing otherwise. Never put prompt text in
    `attributes`."""
    instruments = current.get()
    if instruments is None:
        yield None
        return
    with _span(instruments, name, attributes) as opened:
        yield opened


@contextmanager
def _span(instruments: Instruments, name: str, attributes: dict[str, Any]) -> Iterator[Any]:
    if instruments.tracer is None:
        yield None
        return
    with instruments.tracer.start_as_current_span(name, attributes=attributes) as opened:
        yield opened


def count_findings(findings: list[tuple[str, str]], action: str) -> None:
    """Policy outcomes: one count per (category, action) finding, or ("none", action) without any."""
    instruments = current.get()
    if instruments is None:
        return
    for category, finding_action in findings or [("none", action)]:
        instruments.decisions.labels(category=category, action=finding_action).inc()


def count_image_checks(action: str, categories: list[str]) -> None:
    instruments = current.get()
    if instruments is None:
        return
    for category in categories or ["none"]:
        instruments.image_checks.labels(action=action, category=category).inc()


def upstream_attempt(host: str, outcome: str, seconds: float, *, retried: bool) -> None:
    instruments = current.get()
    if instruments is None:
        return
    instruments.upstream.labels(backend=host, outcome=outcome).inc()
    instruments.upstream_seconds.labels(backend=host).observe(seconds)
    if retried:
        instruments.upstream_retries.labels(backend=host).inc()


def request_done(method: str, route: str, status: int, seconds: float) -> None:
    instruments = current.get()
    if instruments is None:
        return
    instruments.requests.labels(method=method, route=route, status=str(status)).inc()
    instruments.request_seconds.labels(method=method, route=route).observe(seconds)


# OpenTelemetry GenAI semantic conventions: provider names for the backend kinds Limner ships.
_PROVIDERS = {"openai": "openai", "azure_openai": "azure.ai.openai", "diffusers": "huggingface"}


def genai_span(backend_kind: str, model: str, n: int) -> Any:
    """The span around one image generation call, named and attributed per the GenAI semantic
    conventions (operation, provider, model, output type, count). Never the prompt."""
    attributes = {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.provider.name": _PROVIDERS.get(backend_kind, f"limner.{backend_kind}"),
        "gen_ai.request.model": model,
        "gen_ai.output.type": "image",
        "gen_ai.request.choice.count": n,
    }
    return span(f"generate_content {model}", attributes)
