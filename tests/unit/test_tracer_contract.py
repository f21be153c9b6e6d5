"""Unit tests: the Tracer contract of limner/observe.py, run against every tracer the pipeline may hold:
none (tracing off), the OpenTelemetry SDK tracer (limner.tracing builds one; here with an in-memory
exporter) and a recording fake.

The contract: a pipeline stage is timed whatever the tracer; with a tracer each stage and span opens one span
named `limner.<stage>` with the attributes given (never the prompt), nested under the current span, and a
failing stage still closes its span and counts as an error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from limner import observe
from limner.observe import Instruments, Tracer

CANARY = "CANARY prompt text 51ab"


class RecordingTracer:
    """The fake: records (name, attributes, parent) for every span it opens."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, dict[str, Any], str | None]] = []
        self._open: list[str] = []

    @contextmanager
    def start_as_current_span(self, name: str, **kwargs: Any) -> Iterator[str]:
        self.spans.append((name, dict(kwargs.get("attributes", {})), self._open[-1] if self._open else None))
        self._open.append(name)
        try:
            yield name
        finally:
            self._open.pop()

    def recorded(self) -> list[tuple[str, dict[str, Any], str | None]]:
        return self.spans


class OtelTracer:
    """An SDK tracer exporting to memory, read back in the fake's shape."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = provider.get_tracer("limner-test")

    def start_as_current_span(self, name: str, **kwargs: Any) -> Any:
        return self.tracer.start_as_current_span(name, **kwargs)

    def recorded(self) -> list[tuple[str, dict[str, Any], str | None]]:
        spans = sorted(self.exporter.get_finished_spans(), key=lambda s: s.start_time or 0)
        names = {s.context.span_id: s.name for s in spans if s.context is not None}
        return [
            (s.name, dict(s.attributes or {}), names.get(s.parent.span_id) if s.parent else None)
            for s in spans
        ]


Recorder = RecordingTracer | OtelTracer


@pytest.fixture(params=["otel", "fake"])
def tracer(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    built: Recorder = OtelTracer() if request.param == "otel" else RecordingTracer()
    token = observe.current.set(Instruments(tracer=built))
    try:
        yield built
    finally:
        observe.current.reset(token)


@observe.stage("moderation")
async def moderate(fail: bool) -> str:
    with observe.span("limner.moderation.provider", {"limner.provider": "fake"}):
        if fail:
            raise RuntimeError("provider down")
    return "ok"


def _seconds_count(stage: str, outcome: str) -> float:
    instruments = observe.current.get()
    assert instruments is not None
    labels = {"stage": stage, "outcome": outcome}
    return (
        instruments.registry.get_sample_value("limner_pipeline_stage_duration_seconds_count", labels) or 0.0
    )


def test_both_members_satisfy_the_protocol() -> None:
    members: list[Tracer] = [RecordingTracer(), OtelTracer()]
    assert all(callable(member.start_as_current_span) for member in members)


async def test_a_stage_opens_its_span_with_the_child_span_nested(
    tracer: RecordingTracer | OtelTracer,
) -> None:
    assert await moderate(False) == "ok"
    assert tracer.recorded() == [
        ("limner.moderation", {"limner.stage": "moderation"}, None),
        ("limner.moderation.provider", {"limner.provider": "fake"}, "limner.moderation"),
    ]
    assert _seconds_count("moderation", "ok") == 1


async def test_a_failing_stage_closes_its_spans_and_counts_an_error(
    tracer: RecordingTracer | OtelTracer,
) -> None:
    with pytest.raises(RuntimeError, match="provider down"):
        await moderate(True)
    assert [name for name, _, _ in tracer.recorded()] == ["limner.moderation", "limner.moderation.provider"]
    assert (_seconds_count("moderation", "error"), _seconds_count("moderation", "ok")) == (1, 0)


async def test_spans_never_carry_the_prompt(tracer: Recorder) -> None:
    @observe.stage("policy")
    async def evaluate(prompt: str) -> int:
        with observe.span("limner.policy.detectors", {"limner.detectors": 3}):
            return len(prompt)

    assert await evaluate(CANARY) == len(CANARY)
    assert CANARY not in repr(tracer.recorded())


async def test_without_a_tracer_stages_are_still_timed_and_spans_are_none() -> None:
    token = observe.current.set(Instruments(tracer=None))
    try:
        with observe.span("limner.x", {}) as opened:
            assert opened is None
        assert await moderate(False) == "ok"
        assert _seconds_count("moderation", "ok") == 1
    finally:
        observe.current.reset(token)
