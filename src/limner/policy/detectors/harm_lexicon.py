"""Curated multilingual harm lexicons, indexed by word prefix and matched on normalized text."""

from __future__ import annotations

import json
import re
from collections import defaultdict
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
_WORD_CHAR = r"[^\W_]"
_WORD = re.compile(r"[^\W_]+")
_KEY_LENGTH = 3
# Ages under 18 written as digits ("12yo", "15 year old"); read on the raw casefolded text because
# leet folding turns digits glued to letters into letters.
_AGE = re.compile(r"(?<!\d)(?:[1-9]|1[0-7])\s*-?\s*(?:y/?o|yrs?\b|years?\b)(?:\s*-?\s*old)?", re.I)

Fragments = dict[str, list[str]]  # group -> regex fragments


@dataclass(frozen=True, slots=True)
class Hit:
    """One lexicon match: `group` is a harm category, MINOR or SEXUAL_CONTEXT; offsets are normalized."""

    group: str
    start: int
    end: int


def _fold(term: str) -> str:
    return normalize(term.strip(), leet=True).text


def _term_pattern(folded: str) -> str:
    """Turn one folded lexicon term into a regex fragment (see the lexicon's `syntax` note)."""
    words = re.split(r"[\s\-_]+", folded.rstrip("*"))
    body = _SEPARATOR.join(re.escape(word) for word in words if word)
    return body + (f"{_WORD_CHAR}*" if folded.endswith("*") else "")


def _key(folded: str) -> str:
    """Index key: the first letters of the term's first word (the whole word when it is short)."""
    first = _WORD.match(folded)
    if first is None:
        raise ConfigError("The harm lexicon holds a term that does not start with a letter.")
    return first.group()[:_KEY_LENGTH]


def _compile(fragments: Fragments, *, bounded: bool) -> re.Pattern[str]:
    """One named group per group; within a group longest first, so phrases beat their first word."""
    parts = [
        f"(?P<{name.replace('.', '__')}>{'|'.join(sorted(set(frags), key=len, reverse=True))})"
        for name, frags in fragments.items()
    ]
    body = "|".join(parts)
    return re.compile(f"(?:{body})(?!{_WORD_CHAR})" if bounded else body)


class Lexicon:
    """Terms indexed by the first letters of their first word, so each word start tries a few terms."""

    def __init__(self, raw: dict[str, Any], languages: frozenset[str] | None = None) -> None:
        self.version = str(raw.get("version", "unknown"))
        # Order is priority at one position: allow-listed phrases, then the most specific category.
        groups = {ALLOW: _pick(raw[ALLOW], None)}
        groups["harm.sexual_minors"] = _pick(raw["categories"]["harm.sexual_minors"], languages)
        groups.update({c: _pick(terms, languages) for c, terms in raw["categories"].items()})
        groups[MINOR] = _pick(raw["minors"], languages)
        groups[SEXUAL_CONTEXT] = _pick(raw["sexual_context"], languages)
        by_key: defaultdict[str, Fragments] = defaultdict(lambda: defaultdict(list))
        for name, terms in groups.items():
            for folded in map(_fold, terms):
                by_key[_key(folded)][name].append(_term_pattern(folded))
        self._index = {key: _compile(fragments, bounded=True) for key, fragments in by_key.items()}
        everything: Fragments = defaultdict(list)
        for fragments in by_key.values():
            for name, frags in fragments.items():
                if name != ALLOW:
                    everything[name].extend(frags)
        # Used only inside words rebuilt from spaced-out letters ("a n u d e" -> "anude").
        self._unbounded = _compile(everything, bounded=False)

    def hits(self, text: str) -> list[Hit]:
        """Every hit that starts a word of normalized `text` and that no allow-listed phrase covers."""
        found: list[Hit] = []
        allowed: list[tuple[int, int]] = []
        for word in _WORD.finditer(text):
            pattern = self._index.get(word.group()[:_KEY_LENGTH])
            match = pattern.match(text, word.start()) if pattern is not None else None
            if match is None:
                continue
            group = (match.lastgroup or "").replace("__", ".")
            if group == ALLOW:
                allowed.append(match.span())
            else:
                found.append(Hit(group, *match.span()))
        return [h for h in found if not any(a <= h.start and h.end <= b for a, b in allowed)]

    def hits_inside(self, word: str) -> list[Hit]:
        """Hits anywhere inside one word, ignoring word boundaries."""
        return [
            Hit((m.lastgroup or "").replace("__", "."), *m.span()) for m in self._unbounded.finditer(word)
        ]


def _pick(by_language: dict[str, list[str]], languages: frozenset[str] | None) -> list[str]:
    return [t for lang, terms in by_language.items() if languages is None or lang in languages for t in terms]


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
