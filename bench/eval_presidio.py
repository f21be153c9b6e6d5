"""The Presidio baseline for bench/eval.py: presidio-analyzer's recognizers on the PII data.

Presidio is NOT a Limner dependency and this module installs nothing. To get the column:
    .venv/bin/pip install presidio-analyzer
The NLP engine is a blank spaCy English pipeline (tokenizer only, no NER): no spaCy model is on
PyPI under its official name, and the re-uploads could not be fully vetted (see bench/results/eval.md),
so Presidio runs with its pattern recognizers only and finds no PERSON, LOCATION or DATE_TIME.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import metadata
from typing import Any

from limner.policy.schemas import Finding

# Presidio entity -> our category, for scoring with bench/eval_pii.py.
ENTITY_CATEGORY = {
    "PERSON": "pii.person",
    "EMAIL_ADDRESS": "pii.email",
    "PHONE_NUMBER": "pii.phone",
    "CREDIT_CARD": "pii.payment_card",
    "IBAN_CODE": "pii.iban",
    "US_SSN": "pii.national_id",
    "UK_NHS": "pii.national_id",
    "IP_ADDRESS": "pii.ip_address",
    "LOCATION": "pii.street_address",
    "DATE_TIME": "pii.date_of_birth",
}
Detect = Callable[[str], list[Finding]]


def presidio_version() -> str | None:
    try:
        return metadata.version("presidio-analyzer")
    except metadata.PackageNotFoundError:
        return None


def build_presidio() -> Detect | None:
    """A detect() function over Presidio's analyzer, or None when presidio-analyzer is not installed."""
    if presidio_version() is None:
        return None
    # tldextract (used by Presidio's e-mail recognizer) would fetch the public suffix list over the
    # network; an empty URL list makes it use the snapshot in its wheel.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "en_core_web_sm"}])
    engine.nlp = {"en": spacy.blank("en")}  # type: ignore[assignment]  # tokens only, no NER
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=engine)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
    entities = sorted(ENTITY_CATEGORY)

    def detect(text: str) -> list[Finding]:
        results: list[Any] = analyzer.analyze(text=text, language="en", entities=entities)
        return [
            Finding("presidio", ENTITY_CATEGORY[r.entity_type], r.start, r.end, float(r.score))
            for r in results
        ]

    return detect
