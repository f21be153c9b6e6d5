"""Offline harm detector: multilingual lexicons plus a small hashed n-gram classifier (numpy only)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from limner.errors import ConfigError
from limner.policy.detectors.harm_lexicon import (
    MINOR,
    SEXUAL_CONTEXT,
    Hit,
    Lexicon,
    age_spans,
    data_file,
    load_lexicon,
)
from limner.policy.detectors.harm_model import WEIGHTS_FILE, HarmModel
from limner.policy.normalize import Normalized, normalize
from limner.policy.schemas import Finding

CATEGORIES = (
    "harm.sexual",
    "harm.sexual_minors",
    "harm.violence",
    "harm.gore",
    "harm.self_harm",
    "harm.hate",
    "harm.harassment",
    "harm.illegal",
    "harm.shocking",
)
LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
# Lexicon hits score 0.95, so these gate the classifier. scripts/train_moderation.py finds ~0.5 enough for
# GenEval/T2I-CompBench, but art-style and dual-use prompts (bench/eval_harm.py HARD_BENIGN, I2P low-risk)
# need these higher values to stay under 5 % and 3 % false positives.
DEFAULT_THRESHOLDS = {
    "harm.sexual": 0.9,
    "harm.sexual_minors": 0.5,
    "harm.violence": 0.85,
    "harm.gore": 0.5,
    "harm.self_harm": 0.8,
    "harm.hate": 0.8,
    "harm.harassment": 0.8,
    "harm.illegal": 0.8,
    "harm.shocking": 0.8,
}
_WORD = re.compile(r"[^\W_]+")

Scored = dict[str, tuple[float, tuple[int, int]]]  # category -> (score, original span)


class HarmConfig(BaseModel):
    """Settings of the harm detector; every category not listed keeps its tuned default threshold."""

    kind: Literal["harm"] = "harm"
    thresholds: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="Minimum score in [0, 1] per harm category for a finding; above 1 turns a category off",
    )
    languages: list[str] | None = Field(
        default=None, description="Lexicon languages to load (en, es, fr, de, it, pt); all when unset"
    )
    use_classifier: bool = Field(default=True, description="Add the n-gram classifier to the lexicons")
    lexicon_score: float = Field(default=0.95, ge=0, le=1, description="Score of an explicit lexicon hit")
    minor_sexual_probability: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="Classifier harm.sexual probability that, next to a minor, counts as a sexual signal",
    )

    @field_validator("thresholds")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        refuse_unknown_categories(value)
        if any(v < 0 for v in value.values()):
            raise ValueError("harm thresholds must not be negative")
        return {**DEFAULT_THRESHOLDS, **value}

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not set(value) <= set(LANGUAGES):
            raise ValueError(f"harm lexicon languages must be among {list(LANGUAGES)}")
        return value


class HarmDetector:
    """Findings harm.*: lexicon hits span the term; classifier-only decisions span the strongest word."""

    name = "harm"

    def __init__(self, config: HarmConfig, *, model: HarmModel | None = None) -> None:
        """`model` replaces the shipped classifier weights: for evaluations that retrain it."""
        self.config = config
        languages = frozenset(config.languages) if config.languages is not None else None
        self._lexicon = load_lexicon(languages)
        self._model = (model or _load_model()) if config.use_classifier else None

    def model_meta(self) -> dict[str, object]:
        """Training metadata of the classifier (seed, tuned thresholds, held-out metrics); {} without it."""
        return dict(self._model.meta) if self._model is not None else {}

    def detect(self, text: str) -> list[Finding]:
        norm = normalize(text, leet=True)
        hits = self._lexicon.hits(norm.text) + _spaced_hits(self._lexicon, norm)
        scored: Scored = {}
        for hit in hits:
            if hit.group in CATEGORIES:
                _keep_best(scored, hit.group, self.config.lexicon_score, norm.span(hit.start, hit.end))
        sexual_probability = self._classify(norm, scored)
        self._sexual_minors(text, norm, hits, sexual_probability, scored)
        return [
            Finding(detector=self.name, category=category, start=span[0], end=span[1], score=score)
            for category, (score, span) in sorted(scored.items())
            if score >= self.config.thresholds[category]
        ]

    def _classify(self, norm: Normalized, scored: Scored) -> float:
        """Add classifier scores; return the harm.sexual probability (0 without a classifier)."""
        if self._model is None or not norm.text.strip():
            return 0.0
        features = self._model.features(norm.text)
        probabilities = self._model.probabilities(features)
        for head, category in enumerate(self._model.categories):
            probability = float(probabilities[head])
            if probability >= self.config.thresholds[category] and probability > _score(scored, category):
                start, end = _word_span(norm.text, *self._model.strongest_span(features, head))
                _keep_best(scored, category, probability, norm.span(start, end))
        return float(probabilities[self._model.categories.index("harm.sexual")])

    def _sexual_minors(
        self, text: str, norm: Normalized, hits: list[Hit], sexual_probability: float, scored: Scored
    ) -> None:
        """A minor next to any sexual or nudity signal: always blocked by policy, so recall comes first."""
        minors = [norm.span(h.start, h.end) for h in hits if h.group == MINOR] + age_spans(text)
        sexual = (
            "harm.sexual" in scored
            or any(h.group == SEXUAL_CONTEXT for h in hits)
            or sexual_probability >= self.config.minor_sexual_probability
        )
        if minors and sexual:
            _keep_best(scored, "harm.sexual_minors", 0.99, minors[0])


def _load_model() -> HarmModel:
    try:
        with data_file(WEIGHTS_FILE).open("rb") as handle:
            return HarmModel(handle)
    except OSError as exc:
        raise ConfigError("The harm classifier weights are missing; run make train-moderation.") from exc


def _score(scored: Scored, category: str) -> float:
    return scored[category][0] if category in scored else -1.0


def _keep_best(scored: Scored, category: str, score: float, span: tuple[int, int]) -> None:
    if score > _score(scored, category):
        scored[category] = (round(min(max(score, 0.0), 1.0), 4), span)


def _word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen an n-gram span to the whole words it touches (never empty)."""
    touched = [m.span() for m in _WORD.finditer(text) if m.end() > start and m.start() < end]
    if not touched:
        return 0, len(text)
    return touched[0][0], touched[-1][1]


def _spaced_hits(lexicon: Lexicon, norm: Normalized) -> list[Hit]:
    """Hits inside words rebuilt from spaced-out letters, where word boundaries cannot be trusted."""
    found: list[Hit] = []
    for match in _WORD.finditer(norm.text):
        original_start, original_end = norm.span(*match.span())
        if original_end - original_start < 2 * len(match.group()) - 1 or len(match.group()) < 3:
            continue
        for hit in lexicon.hits_inside(match.group()):
            found.append(Hit(hit.group, hit.start + match.start(), hit.end + match.start()))
    return found


def refuse_unknown_categories(names: Iterable[str]) -> None:
    """ValueError naming every harm category in `names` this detector does not know (config checks)."""
    unknown = sorted(set(names) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown harm categories: {unknown}; known: {list(CATEGORIES)}")
