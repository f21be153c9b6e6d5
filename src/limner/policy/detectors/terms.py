"""The confidential-terms detector: whole-word lists (code names, customers, markers) via Aho-Corasick."""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from limner.errors import ConfigError
from limner.policy.normalize import normalize
from limner.policy.schemas import Finding

DEFAULT_MARKERS = [
    "confidential",
    "strictly confidential",
    "internal only",
    "internal use only",
    "for internal use only",
    "nda",
    "under nda",
    "top secret",
    "do not distribute",
    "do not forward",
    "not for distribution",
    "proprietary and confidential",
    "vertraulich",
    "streng vertraulich",
    "nur für den internen gebrauch",
    "confidentiel",
    "strictement confidentiel",
    "diffusion restreinte",
    "confidencial",
    "estrictamente confidencial",
    "riservato",
    "strettamente riservato",
    "confidenziale",
]
_CATEGORY_PREFIX = "confidential."


def _default_lists() -> dict[str, list[str]]:
    return {"confidential.marker": list(DEFAULT_MARKERS)}


class TermsConfig(BaseModel):
    """Settings of the confidential-terms detector."""

    kind: Literal["terms"] = "terms"
    lists: dict[str, list[str]] = Field(
        default_factory=_default_lists,
        description='Category ("confidential.<name>") to its terms; matched whole-word, '
        "ignoring case, accents and evasions",
    )
    score: float = Field(default=0.9, ge=0.0, le=1.0, description="Score given to every match")

    @field_validator("lists")
    @classmethod
    def _check_lists(cls, lists: dict[str, list[str]]) -> dict[str, list[str]]:
        check_lists(lists)
        return lists


def check_lists(lists: dict[str, list[str]]) -> None:
    """Raise ConfigError for a list name outside "confidential." or an empty list or term."""
    for category, terms in lists.items():
        if not category.startswith(_CATEGORY_PREFIX) or len(category) == len(_CATEGORY_PREFIX):
            raise ConfigError(f'Term list names must start with "confidential.": {category!r}')
        if not terms or any(not fold(term) for term in terms):
            raise ConfigError(f"Term list {category!r} is empty or holds an empty term")


def _strip_marks(text: str) -> tuple[str, list[int]]:
    """Remove accents; returns the folded text and, per folded char, its index in `text`."""
    if text.isascii():  # no accents: NFD changes no ASCII character
        return text, list(range(len(text)))
    chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            if not unicodedata.combining(part):
                chars.append(part)
                index.append(position)
    return "".join(chars), index


def fold(text: str) -> str:
    """The form terms and texts are compared in: normalized, accent-free, single-spaced."""
    return _strip_marks(normalize(text).text)[0].strip()


class TermsDetector:
    """Finds listed terms as whole words; thousands of terms cost about what ten do."""

    name = "terms"

    def __init__(self, config: TermsConfig) -> None:
        try:
            import ahocorasick
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError("The terms detector needs pyahocorasick: pip install pyahocorasick") from exc
        check_lists(config.lists)  # again: model_construct() skips validators
        self._score = config.score
        self._automaton: Any = ahocorasick.Automaton()
        for category, terms in config.lists.items():
            for term in terms:
                key = fold(term)
                self._automaton.add_word(key, (len(key), category))
        self._automaton.make_automaton()

    def detect(self, text: str) -> list[Finding]:
        normalized = normalize(text)
        folded, to_normalized = _strip_marks(normalized.text)
        findings: dict[tuple[int, int, str], Finding] = {}
        for last, (length, category) in self._automaton.iter(folded):
            start, end = last - length + 1, last + 1
            if not _whole_word(folded, start, end):
                continue
            span = normalized.span(to_normalized[start], to_normalized[end - 1] + 1)
            findings[(*span, category)] = Finding(self.name, category, *span, self._score)
        return sorted(findings.values(), key=lambda f: (f.start, f.end, f.category))


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()
