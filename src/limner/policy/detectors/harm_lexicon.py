"""Curated multilingual harm lexicons compiled to one regex, matched on normalized text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from limner.errors import ConfigError
from limner.policy.normalize import normalize

MINOR = "minor"
SEXUAL_CONTEXT = "sexual_context"
ALLOW = "allow"
_SEPARATOR = r"[\s\-_]*"
_WORD = r"[^\W_]"
# Ages under 18 written as digits ("12yo", "15 year old"); read on the raw casefolded text because
# leet folding turns digits glued to letters into letters.
_AGE = re.compile(r"(?<!\d)(?:[1-9]|1[0-7])\s*-?\s*(?:y/?o|yrs?\b|years?\b)(?:\s*-?\s*old)?", re.I)


@dataclass(frozen=True, slots=True)
class Hit:
    """One lexicon match: `group` is a harm category, MINOR or SEXUAL_CONTEXT; offsets are normalized."""

    group: str
    start: int
    end: int


def _term_pattern(term: str) -> str:
    """Turn one lexicon term into a regex fragment (see the lexicon's `syntax` note)."""
    folded = normalize(term.strip(), leet=True).text
    is_prefix = folded.endswith("*")
    words = re.split(r"[\s\-_]+", folded.rstrip("*"))
    body = _SEPARATOR.join(re.escape(word) for word in words if word)
    if not body:
        raise ConfigError("The harm lexicon holds an empty term.")
    return body + (rf"{_WORD}*" if is_prefix else "")


def _alternation(terms: list[str]) -> str:
    patterns = sorted({_term_pattern(term) for term in terms}, key=len, reverse=True)
    return "|".join(patterns)


def _group_name(group: str) -> str:
    return group.replace(".", "__")


class Lexicon:
    """All categories in one compiled pattern, one named group per category."""

    def __init__(self, raw: dict[str, Any], languages: frozenset[str] | None = None) -> None:
        self.version = str(raw.get("version", "unknown"))
        groups: dict[str, list[str]] = {}
        for category, by_language in raw["categories"].items():
            groups[category] = _pick(by_language, languages)
        groups[MINOR] = _pick(raw["minors"], languages)
        groups[SEXUAL_CONTEXT] = _pick(raw["sexual_context"], languages)
        self.categories = tuple(raw["categories"])
        body = "|".join(
            f"(?P<{_group_name(name)}>{_alternation(terms)})" for name, terms in groups.items() if terms
        )
        self._pattern = re.compile(rf"(?<!{_WORD})(?:{body})(?!{_WORD})")
        # Used only inside words rebuilt from spaced-out letters ("a n u d e" -> "anude").
        self._unbounded = re.compile(body)
        allow = _alternation(_pick(raw[ALLOW], None))
        self._allow = re.compile(rf"(?<!{_WORD})(?:{allow})(?!{_WORD})")

    def hits(self, text: str, *, bounded: bool = True) -> list[Hit]:
        """Every hit in normalized `text` that no allow-listed phrase covers."""
        allowed = [m.span() for m in self._allow.finditer(text)]
        pattern = self._pattern if bounded else self._unbounded
        found = []
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a <= start and end <= b for a, b in allowed):
                continue
            name = (match.lastgroup or "").replace("__", ".")
            found.append(Hit(group=name, start=start, end=end))
        return found


def _pick(by_language: dict[str, list[str]], languages: frozenset[str] | None) -> list[str]:
    return [t for lang, terms in by_language.items() if _wanted(lang, languages) for t in terms]


def _wanted(language: str, languages: frozenset[str] | None) -> bool:
    return languages is None or language in languages


def age_spans(text: str) -> list[tuple[int, int]]:
    """Spans of under-18 ages written with digits, as offsets into `text` itself."""
    return [m.span() for m in _AGE.finditer(text)]


def data_file(name: str) -> Traversable:
    """A file shipped in src/limner/policy/data/harm/."""
    return resources.files("limner.policy").joinpath("data", "harm", name)


def load_lexicon(languages: frozenset[str] | None = None) -> Lexicon:
    """Read the packaged lexicon; a missing or malformed file fails here, at build time."""
    try:
        text = data_file("lexicon.json").read_text("utf-8")
        return Lexicon(json.loads(text), languages)
    except (OSError, ValueError, KeyError, re.error) as exc:
        raise ConfigError("The harm lexicon could not be loaded.") from exc
