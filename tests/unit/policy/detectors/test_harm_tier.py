"""The harm model tier's plumbing with the fake encoder: head loading, thresholds, the worker thread."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from limner.errors import ConfigError
from limner.policy.detectors.encoders import FakeEncoder, FakeEncoderConfig
from limner.policy.detectors.harm_tier import HarmModelConfig, HarmModelDetector
from limner.policy.registry import DetectorConfig

DIM = 32


def write_head(path: Path, *, encoder: str = "fake", dim: int = DIM, word: str = "forbidden") -> str:
    """A head whose harm.violence weight points at the fake encoder's bucket of `word`."""
    bucket = FakeEncoder(FakeEncoderConfig(dim=dim)).encode([word])[0]
    weights = np.zeros((dim, 2), np.float32)
    weights[:, 0] = bucket * 12.0
    meta = {
        "encoder": encoder,
        "categories": ["harm.violence", "harm.hate"],
        "thresholds": {"harm.violence": 0.7, "harm.hate": 0.7},
    }
    np.savez(path, weights=weights, bias=np.array([-6.0, -6.0], np.float32), meta=np.array(json.dumps(meta)))
    return str(path)


def make(tmp_path: Path, **overrides: object) -> HarmModelDetector:
    config = HarmModelConfig(
        encoder=FakeEncoderConfig(dim=DIM), head=write_head(tmp_path / "head.npz"), **overrides
    )
    return HarmModelDetector(config)


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("the forbidden scene", ["harm.violence"]),
        ("FORBIDDEN", ["harm.violence"]),
        ("f\u200borbidden", ["harm.violence"]),  # normalized before encoding, as the fast tier does
        ("a quiet lake at dawn", []),
        ("", []),
        ("   ", []),
    ],
)
def test_findings_follow_the_head_and_its_thresholds(
    tmp_path: Path, text: str, categories: list[str]
) -> None:
    found = make(tmp_path).detect(text)
    assert [f.category for f in found] == categories
    assert all((f.start, f.end) == (0, len(text)) and f.detector == "harm_model" for f in found)


def test_a_threshold_override_turns_a_category_off(tmp_path: Path) -> None:
    assert make(tmp_path, thresholds={"harm.violence": 1.01}).detect("the forbidden scene") == []


async def test_detect_async_runs_on_a_worker_thread(tmp_path: Path) -> None:
    detector = make(tmp_path)
    threads: list[str] = []
    original = detector.scores

    def spy(texts: list[str]) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return original(texts)

    detector.scores = spy  # type: ignore[method-assign]
    found = await asyncio.gather(*(detector.detect_async(t) for t in ("forbidden", "a lake")))
    assert [[f.category for f in group] for group in found] == [["harm.violence"], []]
    assert len(threads) == 2
    assert all(name.startswith("limner-harm-model") for name in threads)
    await detector.aclose()
    assert [f.category for f in await detector.detect_async("forbidden")] == ["harm.violence"]  # reopens
    await detector.aclose()


def test_a_head_for_another_encoder_is_refused(tmp_path: Path) -> None:
    head = write_head(tmp_path / "other.npz", encoder="use_multilingual_v3")
    with pytest.raises(ConfigError, match="trained for encoder"):
        HarmModelDetector(HarmModelConfig(encoder=FakeEncoderConfig(dim=DIM), head=head))
    with pytest.raises(ConfigError, match="trained for encoder"):
        HarmModelDetector(
            HarmModelConfig(encoder=FakeEncoderConfig(dim=16), head=write_head(tmp_path / "h.npz"))
        )


def test_unknown_categories_and_broken_heads_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown categories"):
        make(tmp_path, thresholds={"harm.weather": 0.5})
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="could not be loaded"):
        HarmModelDetector(HarmModelConfig(encoder=FakeEncoderConfig(dim=DIM), head=str(broken)))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, weights=np.zeros((DIM, 1)), bias=np.zeros(1), meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ConfigError, match="could not be loaded"):
        HarmModelDetector(HarmModelConfig(encoder=FakeEncoderConfig(dim=DIM), head=str(pickled)))


def test_policy_documents_name_the_tier_and_validate_it() -> None:
    adapter: TypeAdapter[DetectorConfig] = TypeAdapter(DetectorConfig)
    config = adapter.validate_python({"kind": "harm_model", "encoder": {"kind": "fake", "dim": 8}})
    assert isinstance(config, HarmModelConfig)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "harm_model", "thresholds": {"harm.violence": -1}})
    with pytest.raises(ValidationError):
        adapter.validate_python(
            {"kind": "harm_model", "encoder": {"kind": "use_multilingual_v3", "threads": 0}}
        )


def test_the_sync_engine_path_runs_the_tier_inline(tmp_path: Path) -> None:
    from limner.imaging.actions import Action
    from limner.policy.compile import compile_policy
    from limner.policy.schemas import PolicyContext

    head = write_head(tmp_path / "head.npz")
    text = (
        "detectors:\n  - kind: harm\n"
        f"  - kind: harm_model\n    encoder: {{kind: fake, dim: {DIM}}}\n    head: {head}\n"
        "rules:\n  harm.*: {action: block}\n"
    )
    engine = compile_policy(text, version="tier")
    assert not engine.is_remote
    decision = engine.decide("the forbidden scene", PolicyContext())
    assert decision.action is Action.BLOCK
    assert {r.finding.detector for r in decision.findings} == {"harm_model"}
    assert engine.decide("a quiet lake", PolicyContext()).action is Action.ALLOW
