"""Integration: OpenTelemetry spans for a request through the whole pipeline (FastAPI server span,
a span per stage, a GenAI-convention span around the image backend, httpx client spans for the vendor
call with its retry), collected with the SDK's in-memory exporter; no prompt text, no query strings.
Unit twin (no-op when off): tests/unit/test_observe.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from limner.components import build_components
from limner.generation.backends.openai import OpenAIConfig
from limner.imaging.catalog import ModelSpec
from limner.main import create_app
from limner.tracing import uninstrument_httpx
from tests.conftest import create_schema, make_settings
from tests.factories import make_caller
from tests.fakes.openai_upstream import serve_fake_upstream

CANARY = "CANARY-TRACE-71c2 a heron on a post"


@pytest.fixture
def exporter() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    yield provider, spans
    uninstrument_httpx()


def attributes(spans: tuple[ReadableSpan, ...]) -> str:
    return repr([(s.name, dict(s.attributes or {})) for s in spans])


async def test_spans_for_every_stage_and_the_vendor_call(
    tmp_path: Path, exporter: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, spans = exporter
    with serve_fake_upstream() as (base_url, state):
        state.add_fault("http_500")  # one transient failure: the retry is its own client span
        settings = make_settings(
            tmp_path / "d",
            generation={
                "backends": {
                    "openai": OpenAIConfig(
                        base_url=base_url, api_key=state.api_key, retry_initial_delay_s=0.01
                    )
                },
                "models": [ModelSpec(id="dall-e-3", backend="openai", family="dall-e-3")],
            },
        )
        c = build_components(settings)
        await create_schema(c.engine)
        try:
            caller = await make_caller(c, roles=["creator"])
            app = create_app(components=c, tracer_provider=provider)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as client:
                body = {"model": "dall-e-3", "prompt": CANARY, "response_format": "url"}
                done = await client.post("/v1/images/generations", json=body, headers=caller.headers)
                assert done.status_code == 200, done.text
                url = done.json()["data"][0]["url"]
                assert (await client.get(url)).status_code == 200
        finally:
            await c.aclose()
    finished = spans.get_finished_spans()
    by_name = {s.name: s for s in finished}
    server = by_name["POST /v1/images/generations"]
    for stage in ("policy", "quota", "open", "backend", "image_checks", "store", "close"):
        child = by_name[f"limner.{stage}"]
        assert child.context.trace_id == server.context.trace_id, stage
    genai = by_name["generate_content dall-e-3"]
    assert genai.parent is not None
    assert genai.parent.span_id == by_name["limner.backend"].context.span_id
    assert dict(genai.attributes or {}) == {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "dall-e-3",
        "gen_ai.output.type": "image",
        "gen_ai.request.choice.count": 1,
    }
    vendor = [s for s in finished if s.parent is not None and s.parent.span_id == genai.context.span_id]
    assert [s.attributes.get("http.status_code") for s in vendor] == [500, 200]  # type: ignore[union-attr]
    everything = attributes(finished)
    assert "CANARY" not in everything
    assert "signature=" not in everything
    assert "expires=" not in everything
    assert state.api_key not in everything
    assert caller.api_key not in everything
