"""Integration tests: the Detector and AsyncDetector contracts, run against every kind in DetectorConfig
built through `build_detector`. Local kinds run as shipped (harm_model on the fake sentence encoder with a
head written here); the vendor kinds run against the loopback fakes of
tests/fakes/text_moderation_upstreams.py.

The contracts (policy/detectors/base.py): findings carry offsets into the text itself and scores in [0, 1];
local detectors are pure and thread-safe and never log the text; remote detectors never raise on a vendor
failure but fail closed (or open) with a finding, keep the text out of logs and errors, and reopen their
pool after aclose."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast, get_args

import pytest
from pydantic import TypeAdapter

from limner.policy.detectors.base import AsyncDetector, Detector
from limner.policy.detectors.remote_base import PROVIDER_ERROR
from limner.policy.registry import DetectorConfig, build_detector
from limner.policy.schemas import Finding
from tests.fakes.text_moderation_upstreams import (
    AZURE_KEY,
    GUARD_KEY,
    OPENAI_KEY,
    TextUpstreamState,
    closed_port_url,
    serve,
)
from tests.unit.policy.detectors.test_harm_tier import DIM, write_head

CONFIGS = TypeAdapter[DetectorConfig](DetectorConfig)
CANARY = "canaryword"  # lower case: several detectors fold case before matching
CATEGORY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
# kind -> (config, a text it must flag, the category it flags it as)
LOCAL: dict[str, tuple[dict[str, Any], str, str]] = {
    "pii": ({"kind": "pii"}, "write to jane.doe@example.com please", "pii.email"),
    "secrets": ({"kind": "secrets"}, "token ghp_16C7e42F292c6912E7710c838347Ae178B4a here", "secret.github"),
    "terms": (
        {"kind": "terms", "lists": {"confidential.project": ["dragonfruit"]}},
        "a dragonfruit bowl",
        "confidential.project",
    ),
    "harm": ({"kind": "harm"}, "how to build a pipe bomb at home", "harm.illegal"),
    "harm_model": (
        {"kind": "harm_model", "encoder": {"kind": "fake", "dim": DIM}},
        "the forbidden scene",
        "harm.violence",
    ),
    "people": ({"kind": "people"}, "a portrait of Taylor Swift on stage", "person.public_figure"),
    "ner_names": ({"kind": "ner_names"}, "a photo of Margaret Hamilton reading", "pii.person"),
    "ip": ({"kind": "ip"}, "Mickey Mouse waving", "ip.character"),
}
# kind -> (config without its endpoint, the vendor label the fake answers for CANARY's trigger, category)
REMOTE: dict[str, tuple[dict[str, Any], str, str]] = {
    "openai_moderation": ({"kind": "openai_moderation", "api_key": OPENAI_KEY}, "violence", "harm.violence"),
    "azure_content_safety_text": (
        {"kind": "azure_content_safety_text", "api_key": AZURE_KEY},
        "Hate",
        "harm.hate",
    ),
    "llama_guard": ({"kind": "llama_guard", "api_key": GUARD_KEY}, "S1", "harm.violence"),
}
FAST = {"timeout_s": 1.0, "max_retries": 0, "backoff_initial_s": 0, "backoff_max_s": 0}
CLEAN = "a quiet lake at dawn"
WHOLE_PROMPT = {"harm_model"}  # judges the prompt as a whole: its findings span all of it


@pytest.fixture(scope="module")
def local_detectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Detector]:
    """Each local kind built once: the contract says they are pure and thread-safe, so tests share them."""
    head = write_head(tmp_path_factory.mktemp("head") / "head.npz")
    built: dict[str, Detector] = {}
    for kind, (raw, _, _) in LOCAL.items():
        config = raw | {"head": head} if kind == "harm_model" else raw
        detector = build_detector(CONFIGS.validate_python(config))
        assert callable(getattr(detector, "detect", None)), kind  # every local kind has the sync surface
        built[kind] = cast(Detector, detector)
    return built


def _well_formed(detector: Detector | AsyncDetector, text: str, findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.detector == detector.name
        assert CATEGORY.match(finding.category), finding.category
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end].strip()
        assert 0.0 <= finding.score <= 1.0


def test_the_tables_cover_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(DetectorConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == sorted([*LOCAL, *REMOTE])


@pytest.mark.parametrize("kind", LOCAL)
def test_a_local_detector_flags_its_text_with_well_formed_findings(
    local_detectors: dict[str, Detector], kind: str
) -> None:
    detector, (_, text, category) = local_detectors[kind], LOCAL[kind]
    findings = detector.detect(text)
    assert category in {f.category for f in findings}
    _well_formed(detector, text, findings)


@pytest.mark.parametrize("kind", LOCAL)
@pytest.mark.parametrize("text", [CLEAN, "", "   ", "\u200b"])
def test_a_local_detector_finds_nothing_in_clean_or_empty_text(
    local_detectors: dict[str, Detector], kind: str, text: str
) -> None:
    assert local_detectors[kind].detect(text) == []


@pytest.mark.parametrize("kind", [k for k in LOCAL if k not in WHOLE_PROMPT])
def test_offsets_point_into_the_text_as_sent(local_detectors: dict[str, Detector], kind: str) -> None:
    detector, text = local_detectors[kind], LOCAL[kind][1]
    prefix = "ça 🙂 — "
    plain, shifted = detector.detect(text), detector.detect(prefix + text)
    assert [(f.category, f.start + len(prefix), f.end + len(prefix)) for f in plain] == [
        (f.category, f.start, f.end) for f in shifted
    ]
    assert [text[f.start : f.end] for f in plain] == [(prefix + text)[f.start : f.end] for f in shifted]


@pytest.mark.parametrize("kind", sorted(WHOLE_PROMPT))
def test_a_whole_prompt_detector_spans_the_whole_text(
    local_detectors: dict[str, Detector], kind: str
) -> None:
    text = LOCAL[kind][1]
    assert {(f.start, f.end) for f in local_detectors[kind].detect(text)} == {(0, len(text))}


@pytest.mark.parametrize("kind", LOCAL)
def test_a_local_detector_is_pure_and_thread_safe(local_detectors: dict[str, Detector], kind: str) -> None:
    detector, text = local_detectors[kind], LOCAL[kind][1]
    first = detector.detect(text)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(detector.detect, [text, CLEAN] * 4))
    assert results == [first, []] * 4


@pytest.mark.parametrize("kind", LOCAL)
def test_a_local_detector_never_logs_the_text(
    local_detectors: dict[str, Detector], kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    local_detectors[kind].detect(f"{LOCAL[kind][1]} {CANARY}")
    assert CANARY not in caplog.text


@pytest.mark.parametrize("kind", [k for k in LOCAL if k in ("harm_model", "ner_names")])
async def test_worker_thread_kinds_answer_the_same_async(
    local_detectors: dict[str, Detector], kind: str
) -> None:
    detector = local_detectors[kind]
    assert isinstance(detector, AsyncDetector)
    text = LOCAL[kind][1]
    assert await detector.detect_async(text) == detector.detect(text)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, TextUpstreamState]]:
    state = TextUpstreamState()
    with serve(state) as url:
        yield url, state


def _remote_config(kind: str, url: str, **overrides: Any) -> DetectorConfig:
    raw = REMOTE[kind][0] | {"http": FAST} | overrides
    where = {"endpoint": f"{url}/"} if kind == "azure_content_safety_text" else {"base_url": f"{url}/v1"}
    return CONFIGS.validate_python(where | raw)


@pytest.fixture(params=list(REMOTE))
async def remote(
    request: pytest.FixtureRequest, server: tuple[str, TextUpstreamState]
) -> AsyncIterator[tuple[str, AsyncDetector, TextUpstreamState]]:
    kind: str = request.param
    state = server[1]
    state.reset()
    state.triggers = {CANARY: REMOTE[kind][1]}
    detector = build_detector(_remote_config(kind, server[0]))
    assert isinstance(detector, AsyncDetector)
    try:
        yield kind, detector, state
    finally:
        await detector.aclose()


async def test_a_remote_detector_flags_the_whole_prompt(
    remote: tuple[str, AsyncDetector, TextUpstreamState],
) -> None:
    kind, detector, _ = remote
    text = f"a knight and a {CANARY}"
    findings = await detector.detect_async(text)
    assert REMOTE[kind][2] in {f.category for f in findings}
    _well_formed(detector, text, findings)
    assert all((f.start, f.end) == (0, len(text)) for f in findings)
    assert await detector.detect_async(CLEAN) == []


@pytest.mark.parametrize(("on_error", "closed"), [("block", True), ("allow", False)])
@pytest.mark.parametrize("failure", ["500", "garbage"])
async def test_a_vendor_failure_is_a_finding_never_an_exception(
    server: tuple[str, TextUpstreamState], on_error: str, closed: bool, failure: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    text = f"a {CANARY} at dusk"
    for kind in REMOTE:
        server[1].reset()
        server[1].script = [failure] * 3
        detector = build_detector(_remote_config(kind, server[0], on_error=on_error))
        assert isinstance(detector, AsyncDetector)
        try:
            findings = await detector.detect_async(text)
        finally:
            await detector.aclose()
        expected = [Finding(detector.name, PROVIDER_ERROR, 0, len(text), 1.0)] if closed else []
        assert findings == expected, kind
    assert CANARY not in caplog.text


async def test_an_unreachable_vendor_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for kind in REMOTE:
        detector = build_detector(_remote_config(kind, closed_port_url()))
        assert isinstance(detector, AsyncDetector)
        findings = await detector.detect_async(CANARY)
        await detector.aclose()
        assert [f.category for f in findings] == [PROVIDER_ERROR], kind
    assert CANARY not in caplog.text


async def test_aclose_then_a_later_call_reopens_the_pool(
    remote: tuple[str, AsyncDetector, TextUpstreamState],
) -> None:
    _, detector, state = remote
    await detector.aclose()
    first = await detector.detect_async(CANARY)
    await detector.aclose()
    second = await asyncio.gather(detector.detect_async(CANARY), detector.detect_async(CLEAN))
    assert [f.category for f in first] == [f.category for f in second[0]] != []
    assert second[1] == []
    assert len(state.requests) == 3
