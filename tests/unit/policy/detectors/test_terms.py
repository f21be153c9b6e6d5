"""Unit tests for the confidential-terms detector (pure, no I/O). Scaling numbers: bench/eval_dlp.py."""

from __future__ import annotations

import pytest

from limner.errors import ConfigError
from limner.policy.detectors.terms import TermsConfig, TermsDetector

LISTS = {
    "confidential.codename": ["Project Bluebird", "Ünïcorn", "Nightjar"],
    "confidential.customer": ["Acme Corp"],
    "confidential.marker": ["CONFIDENTIAL", "internal only", "vertraulich"],
}


@pytest.fixture(scope="module")
def detector() -> TermsDetector:
    return TermsDetector(TermsConfig(lists=LISTS))


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("poster for project bluebird launch", "confidential.codename", "project bluebird"),
        ("PROJECT   BLUEBIRD", "confidential.codename", "PROJECT   BLUEBIRD"),
        ("a unicorn mascot", "confidential.codename", "unicorn"),
        ("an Ünïcorn mascot", "confidential.codename", "Ünïcorn"),
        ("logo for Acme Corp.", "confidential.customer", "Acme Corp"),
        ("CONFIDENTIAL: slide art", "confidential.marker", "CONFIDENTIAL"),
        ("c\u200bo\u200bnfidential deck", "confidential.marker", "c\u200bo\u200bnfidential"),
        ("i n t e r n a l  o n l y", "confidential.marker", "i n t e r n a l  o n l y"),
        ("Streng VERTRAULICH!", "confidential.marker", "VERTRAULICH"),
        ("night\u0458ar sketch", "confidential.codename", "night\u0458ar"),  # Cyrillic je
    ],
)
def test_finds_listed_terms(detector: TermsDetector, text: str, category: str, value: str) -> None:
    found = {(f.category, text[f.start : f.end]) for f in detector.detect(text)}
    assert (category, value) in found


@pytest.mark.parametrize(
    "text",
    ["nonconfidential notes", "a unicorns-free zone? no: unicornsfree", "acme corporation", ""],
)
def test_matches_whole_words_only(detector: TermsDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_findings_carry_detector_name_and_score(detector: TermsDetector) -> None:
    (finding,) = detector.detect("Nightjar")
    assert (finding.detector, finding.start, finding.end, finding.score) == ("terms", 0, 8, 0.9)


def test_default_config_flags_markers() -> None:
    detector = TermsDetector(TermsConfig())
    categories = {f.category for f in detector.detect("STRICTLY CONFIDENTIAL - do not distribute")}
    assert categories == {"confidential.marker"}


@pytest.mark.parametrize(
    "lists",
    [
        {"codename": ["x"]},
        {"confidential.": ["x"]},
        {"confidential.codename": []},
        {"confidential.codename": ["  "]},
        {"confidential.codename": ["\u200b"]},
    ],
)
def test_bad_lists_are_refused(lists: dict[str, list[str]]) -> None:
    with pytest.raises(ConfigError):
        TermsConfig(lists=lists)


def test_build_refuses_unvalidated_bad_lists() -> None:
    config = TermsConfig.model_construct(kind="terms", lists={"bad": ["x"]}, score=0.9)
    with pytest.raises(ConfigError):
        TermsDetector(config)
