"""Folded, tokenised prompt text and a word-bounded phrase matcher, shared by people and ip."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Generic, TypeVar

import ahocorasick

from limner.errors import ConfigError
from limner.policy.normalize import Normalized, normalize

T = TypeVar("T")

# Separators inside names ("Spider-Man", "J.K. Rowling", "Coca_Cola") all become one space.
# Commas stay: a name never runs across one ("Mucha, Edward").
_AS_SPACE = frozenset("-_./\u2010\u2011\u2012\u2013\u2014\u2212")
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc`\u00b4")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# What fold_char() does to ASCII, as a translate() table.
_ASCII_FOLD = {ord(c): " " for c in "-_./\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"} | {ord("`"): "'"}
# Spaces that Prepared drops: leading, trailing, and every space right after another.
_EXTRA_SPACES = re.compile(r"^ +| +\Z|(?<= ) +")
_SENTENCE_END = frozenset('.!?:;"\n(')
_HYPHENS = frozenset("-\u2010\u2011")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "sgt",
        "rev",
        "vs",
        "mt",
        "ft",
        "no",
    ]
)


def fold_char(char: str) -> str:
    """One character to one: accents dropped, apostrophes unified, separators to a space."""
    if char in _AS_SPACE or char.isspace():
        return " "
    if char in _APOSTROPHES:
        return "'"
    base = unicodedata.normalize("NFD", char)[:1]
    return base if base else char


def fold(text: str) -> str:
    """Fold a gazetteer entry exactly as prompt text is folded (without the offset map)."""
    return Prepared.of(normalize(text)).text


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the folded text; `is_capitalized` looks at the text as sent."""

    start: int
    end: int
    word: str
    is_capitalized: bool
    is_sentence_start: bool
    is_possessive: bool
    is_hyphenated: bool = False  # joined to the next word by a hyphen ("Okonjo-Iweala")
    is_joined: bool = False  # only spaces, hyphens or dots since the previous word, no sentence end


@dataclass(frozen=True, slots=True)
class Prepared:
    """Folded text with a map to normalized offsets, and its tokens."""

    text: str
    positions: tuple[int, ...]  # positions[i] = normalized offset of folded char i
    normalized: Normalized

    @classmethod
    def of(cls, normalized: Normalized) -> Prepared:
        return _prepare(normalized)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Folded [start, end) to offsets in the original text."""
        return self.normalized.span(self.positions[start], self.positions[end - 1] + 1)

    def tokens(self, original: str) -> list[Token]:
        """The words of the folded text; `original` is the text these offsets map into."""
        return list(_token_tuple(self, original))


@lru_cache(maxsize=64)
def _prepare(normalized: Normalized) -> Prepared:
    """Fold each character (one to one), then drop leading, trailing and repeated spaces.

    Cached: the people and ip detectors prepare the same normalized text."""
    text = normalized.text
    folded = text.translate(_ASCII_FOLD) if text.isascii() else "".join(fold_char(c) for c in text)
    if not _EXTRA_SPACES.search(folded):
        return Prepared(folded, tuple(range(len(folded))), normalized)
    positions: list[int] = []
    cursor = 0
    for extra in _EXTRA_SPACES.finditer(folded):
        positions += range(cursor, extra.start())
        cursor = extra.end()
    positions += range(cursor, len(folded))
    return Prepared(_EXTRA_SPACES.sub("", folded), tuple(positions), normalized)


@lru_cache(maxsize=64)
def _token_tuple(prepared: Prepared, original: str) -> tuple[Token, ...]:
    return tuple(_tokens(prepared, original))


def _tokens(prepared: Prepared, original: str) -> Iterator[Token]:
    previous_end: int | None = None
    for match in _TOKEN.finditer(prepared.text):
        start, end, word = match.start(), match.end(), match.group()
        is_possessive = word.endswith("'s") and len(word) > 2
        if is_possessive:
            word, end = word[:-2], end - 2
        original_start = prepared.normalized.index[prepared.positions[start]]  # = span(start, end)[0]
        is_sentence_start = _starts_sentence(prepared.normalized.text, prepared.positions[start])
        gap = prepared.text[previous_end:start] if previous_end is not None else "?"
        previous_end = end
        yield Token(
            start=start,
            end=end,
            word=word,
            is_capitalized=original[original_start].isupper(),
            is_sentence_start=is_sentence_start,
            is_possessive=is_possessive,
            is_hyphenated=_hyphen_after(prepared, end),
            is_joined=gap == " " and not is_sentence_start and not _underscore_before(prepared, start),
        )


def _underscore_before(prepared: Prepared, start: int) -> bool:
    """Words joined by "_" are an identifier (API_KEY, first_name), never a personal name."""
    before = prepared.positions[start] - 1
    return before >= 0 and prepared.normalized.text[before] == "_"


def _hyphen_after(prepared: Prepared, end: int) -> bool:
    if end >= len(prepared.text):
        return False
    after = prepared.positions[end]
    return prepared.normalized.text[after : after + 1] in _HYPHENS


def _starts_sentence(normalized_text: str, position: int) -> bool:
    end = _skip_space_back(normalized_text, position)
    if end == 0:
        return True
    if normalized_text[end - 1] != ".":
        return normalized_text[end - 1] in _SENTENCE_END
    word_end = _skip_space_back(normalized_text, end - 1)
    word_start = word_end
    while word_start > 0 and not normalized_text[word_start - 1].isspace():
        word_start -= 1
    word = normalized_text[word_start:word_end]
    return not (len(word) == 1 or word in _ABBREVIATIONS)  # "Dr. Smith", "John F. Kennedy"


def _skip_space_back(text: str, end: int) -> int:
    """The end of text[:end] with trailing whitespace stripped."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def is_bounded(text: str, start: int, end: int) -> bool:
    """True when [start, end) does not cut a word: no letter or digit touches either side."""
    before_ok = start == 0 or not text[start - 1].isalnum()
    after_ok = end == len(text) or not text[end].isalnum()
    return before_ok and after_ok


class PhraseMatcher(Generic[T]):
    """Aho-Corasick over folded phrases; reports whole-word hits, longest first, no overlaps."""

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._payloads: list[T] = []
        self._automaton = ahocorasick.Automaton()
        for phrase, payload in phrases:
            if not phrase.strip():
                continue
            entry: tuple[int, list[int]] = self._automaton.get(phrase, (len(phrase), []))
            entry[1].append(len(self._payloads))
            self._payloads.append(payload)
            self._automaton.add_word(phrase, entry)
        if not self._payloads:
            raise ConfigError("A phrase gazetteer is empty: the detector cannot run.")
        self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._payloads)

    def find(self, text: str) -> list[tuple[int, int, list[T]]]:
        hits: list[tuple[int, int, list[T]]] = []
        for last, (length, ids) in self._automaton.iter(text):
            start, end = last + 1 - length, last + 1
            if is_bounded(text, start, end):
                hits.append((start, end, [self._payloads[i] for i in ids]))
        return _longest_without_overlap(hits)


def _longest_without_overlap(
    hits: list[tuple[int, int, list[T]]],
) -> list[tuple[int, int, list[T]]]:
    chosen: list[tuple[int, int, list[T]]] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= other[0] or hit[0] >= other[1] for other in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h[0])


@lru_cache(maxsize=32)
def data_lines(folder: str, name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of a shipped data file (read once per process)."""
    path = files("limner.policy").joinpath("data", folder, name)
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Missing detector data file data/{folder}/{name}.") from exc
    return tuple(line.strip() for line in content.splitlines() if line.strip() and not line.startswith("#"))
