"""Unit tests: pipeline stages timed by outcome and given spans only when tracing is on, policy and
image-check counts, request metrics, GenAI span attributes; and tracing's URL scrubbing, which keeps
signatures and userinfo out of spans."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from limner import observe
from limner.errors import ConfigError
from limner.observe import Instruments
from limner.tracing import TracingSettings, _scrub, build_tracer_provider, without_query


class RecordingTracer:
    """Keeps each span's name and attributes."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, dict[str, Any]]] = []

    @contextmanager
    def start_as_current_span(self, name: str, **kwargs: Any) -> Iterator[str]:
        self.spans.append((name, dict(kwargs.get("attributes") or {})))
        yield name


@pytest.fixture
def instruments() -> Iterator[Instruments]:
    made = Instruments(tracer=RecordingTracer())
    token = observe.current.set(made)
    try:
        yield made
    finally:
        observe.current.reset(token)


def sample(instruments: Instruments, name: str, **labels: str) -> float:
    return instruments.registry.get_sample_value(name, labels) or 0.0


@observe.stage("moderate")
async def moderate(fail: bool) -> str:
    if fail:
        raise ValueError("refused")
    return "done"


async def test_a_stage_is_timed_by_outcome_with_a_span_per_call(instruments: Instruments) -> None:
    assert await moderate(False) == "done"
    with pytest.raises(ValueError, match="refused"):
        await moderate(True)
    count = "limner_pipeline_stage_duration_seconds_count"
    assert sample(instruments, count, stage="moderate", outcome="ok") == 1
    assert sample(instruments, count, stage="moderate", outcome="error") == 1
    tracer = instruments.tracer
    assert isinstance(tracer, RecordingTracer)
    assert tracer.spans == [("limner.moderate", {"limner.stage": "moderate"})] * 2


async def test_the_stage_histogram_child_is_reused(instruments: Instruments) -> None:
    assert instruments.stage("decode", "ok") is instruments.stage("decode", "ok")
    assert instruments.stage("decode", "ok") is not instruments.stage("decode", "error")


async def test_outside_a_request_stages_and_counts_are_no_ops() -> None:
    assert observe.current.get() is None
    assert await moderate(False) == "done"
    observe.count_findings([("pii.email", "redact")], "redact")
    observe.count_image_checks("block", ["sexual"])
    observe.upstream_attempt("api.vendor.test", "ok", 0.1, retried=False)
    observe.request_done("GET", "/healthz", 200, 0.01)
    with observe.span("anything", {"k": "v"}) as opened:
        assert opened is None


async def test_without_a_tracer_stages_are_timed_but_get_no_span() -> None:
    plain = Instruments()
    token = observe.current.set(plain)
    try:
        assert await moderate(False) == "done"
        with observe.span("limner.extra", {"k": "v"}) as opened:
            assert opened is None
    finally:
        observe.current.reset(token)
    count = "limner_pipeline_stage_duration_seconds_count"
    assert sample(plain, count, stage="moderate", outcome="ok") == 1


def test_spans_open_under_the_tracer_when_tracing_is_on(instruments: Instruments) -> None:
    with observe.span("limner.vault.write", {"limner.bytes": 10}) as opened:
        assert opened == "limner.vault.write"
    tracer = instruments.tracer
    assert isinstance(tracer, RecordingTracer)
    assert tracer.spans == [("limner.vault.write", {"limner.bytes": 10})]


@pytest.mark.parametrize(
    ("findings", "action", "expected"),
    [
        ([], "allow", [("none", "allow")]),
        ([("pii.email", "redact")], "redact", [("pii.email", "redact")]),
        (
            [("secret.aws", "block"), ("pii.email", "redact")],
            "block",
            [("secret.aws", "block"), ("pii.email", "redact")],
        ),
    ],
)
def test_policy_decisions_are_counted_per_finding(
    instruments: Instruments, findings: list[tuple[str, str]], action: str, expected: list[tuple[str, str]]
) -> None:
    observe.count_findings(findings, action)
    for category, finding_action in expected:
        assert (
            sample(instruments, "limner_policy_decisions_total", category=category, action=finding_action)
            == 1
        )


@pytest.mark.parametrize(
    ("categories", "counted"), [([], ["none"]), (["sexual", "violence"], ["sexual", "violence"])]
)
def test_image_checks_are_counted_per_category(
    instruments: Instruments, categories: list[str], counted: list[str]
) -> None:
    observe.count_image_checks("block", categories)
    for category in counted:
        assert sample(instruments, "limner_image_checks_total", action="block", category=category) == 1


def test_requests_are_counted_by_route_template_and_status(instruments: Instruments) -> None:
    observe.request_done("POST", "/v1/images/generations", 429, 0.2)
    observe.request_done("POST", "/v1/images/generations", 429, 0.3)
    labels = {"method": "POST", "route": "/v1/images/generations"}
    assert sample(instruments, "limner_http_requests_total", status="429", **labels) == 2
    assert sample(instruments, "limner_http_request_duration_seconds_sum", **labels) == pytest.approx(0.5)


def test_a_retried_attempt_counts_as_a_retry(instruments: Instruments) -> None:
    observe.upstream_attempt("api.vendor.test", "http_503", 0.5, retried=True)
    observe.upstream_attempt("api.vendor.test", "ok", 0.5, retried=False)
    assert sample(instruments, "limner_upstream_retries_total", backend="api.vendor.test") == 1
    assert sample(instruments, "limner_upstream_requests_total", backend="api.vendor.test", outcome="ok") == 1


@pytest.mark.parametrize(
    ("kind", "provider"),
    [
        ("openai", "openai"),
        ("azure_openai", "azure.ai.openai"),
        ("diffusers", "huggingface"),
        ("local", "limner.local"),
    ],
)
def test_generation_spans_follow_the_genai_conventions(
    instruments: Instruments, kind: str, provider: str
) -> None:
    with observe.genai_span(kind, "gpt-image-1", 2):
        pass
    tracer = instruments.tracer
    assert isinstance(tracer, RecordingTracer)
    [(name, attributes)] = tracer.spans
    assert name == "generate_content gpt-image-1"
    assert attributes == {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": "gpt-image-1",
        "gen_ai.output.type": "image",
        "gen_ai.request.choice.count": 2,
    }


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://blob.example.com/i/1.png?sig=abc&exp=1", "https://blob.example.com/i/1.png"),
        ("https://user:pass@api.vendor.test/v1/images", "https://api.vendor.test/v1/images"),
        ("http://127.0.0.1:8000/v1/files/x#frag", "http://127.0.0.1:8000/v1/files/x"),
        ("https://api.vendor.test", "https://api.vendor.test"),
    ],
)
def test_urls_lose_their_query_fragment_and_userinfo(url: str, clean: str) -> None:
    assert without_query(url) == clean


class FakeSpan:
    def __init__(self, attributes: dict[str, Any] | None) -> None:
        self.attributes = attributes
        self.set: dict[str, Any] = {}

    def set_attribute(self, key: str, value: Any) -> None:
        self.set[key] = value


def test_span_urls_and_queries_are_scrubbed() -> None:
    span = FakeSpan(
        {
            "url.full": "https://u:p@cdn.test/a.png?sig=1",
            "http.url": "http://h/x?token=2",
            "url.query": "sig=1",
            "http.target": "/v1/files/x?sig=3",
            "http.method": "GET",
        }
    )
    _scrub(span)
    assert span.set == {
        "url.full": "https://cdn.test/a.png",
        "http.url": "http://h/x",
        "url.query": "",
        "http.target": "/v1/files/x",
    }


@pytest.mark.parametrize("attributes", [None, {}, {"http.method": "GET"}])
def test_spans_without_urls_are_left_alone(attributes: dict[str, Any] | None) -> None:
    span = FakeSpan(attributes)
    _scrub(span)
    assert span.set == {}


def test_tracing_is_off_by_default_and_builds_nothing() -> None:
    assert build_tracer_provider(TracingSettings()) is None


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:4318/v1/traces"])
def test_tracing_on_builds_a_sampled_provider_named_for_the_service(endpoint: str | None) -> None:
    provider = build_tracer_provider(
        TracingSettings(enabled=True, endpoint=endpoint, service_name="limner-test", sample_ratio=0.5)
    )
    try:
        assert provider.resource.attributes["service.name"] == "limner-test"
        assert "0.5" in provider.sampler.get_description()
    finally:
        provider.shutdown()


def test_tracing_without_the_extra_installed_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http.trace_exporter", None)
    with pytest.raises(ConfigError, match=r"limner\[tracing\]"):
        build_tracer_provider(TracingSettings(enabled=True))


@pytest.mark.parametrize("ratio", [-0.1, 1.5])
def test_the_sample_ratio_is_a_fraction(ratio: float) -> None:
    with pytest.raises(ValueError, match="sample_ratio"):
        TracingSettings(sample_ratio=ratio)
