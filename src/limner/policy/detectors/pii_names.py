"""Finds names of private individuals: a first/last-name gazetteer, capitalisation and context."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from limner.policy.detectors._patterns import Hit, load_lines

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-](?=[^\W\d_]))*\.?")
_TRIGGER = re.compile(
    r"(?:\bmy name is|\bi am|\bi'm|\bname[:?]|\bnamed|\bcalled|\bcall me|\bsays|\bsaid|\bdear"
    r"|\bhi|\bhello|\buser:"
    r"|\bmr\.?|\bmrs\.?|\bms\.?|\bmiss|\bdr\.?|\bprof\.?|\bherr|\bfrau|\bsr\.?|\bsra\.?|\bmme\.?"
    r"|\bsignora?|\bcolleague|\bco-?worker|\bmy (?:friend|boss|wife|husband|son|daughter|mother"
    r"|father|brother|sister|neighbou?r|manager|partner|girlfriend|boyfriend|client|patient|cousin))"
    r"\s+$",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return text.split()


# Credits in image prompts name artists and photographers, not private individuals.
_ATTRIBUTION = re.compile(
    r"(?:\bby|\bstyle of|\bstyled after|\binspired by|\bdirected by|\bphotographed by)\s+"
    r"(?:[\w.'-]+\s+){0,2}$|\bby [^.;:\n]*(?:\band|,)\s+$",
    re.IGNORECASE,
)
_ATTRIBUTION_WINDOW = 120
# Every _ATTRIBUTION match holds "by" or "style": where neither is, the costly search is skipped.
_ATTRIBUTION_HINT = re.compile(r"by|style", re.IGNORECASE)
# What follows a person's name: "X lives at", "X's wife", "X was born".
_FOLLOWER = re.compile(
    r"(?:'s|\u2019s)? (?:lives?|lived|began|begins|wrote|writes|works|worked|told|said|says|asked"
    r"|was born|has been|had given|will be talking|is married|was married)\b"
    r"|(?:'s|\u2019s) (?:wife|husband|mother|father|son|daughter|kid|children|address|phone|email"
    r"|birthday|killers?)\b"
)


# Capitalised words that start sentences or label fields but are never part of a name.
_NOT_NAME = frozenset(
    _words(
        "and or the a an in on at of for to by with from is was are this that these those it "
        "he she they we you i my your his her our their user name date phone address email apt "
        "suite mr mrs ms dr prof herr frau sr sra mme miss sir madam muslim nazi hindu jewish arab"
        " saudi sikh"
    )
)
_MAX_EXTRA_TOKENS = 3
_COMPANY = frozenset(
    _words("inc ltd llc gmbh ag plc corp co sa sarl srl bv nv group investments holdings partners")
)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.text.rstrip(".").casefold()

    @property
    def is_capitalized(self) -> bool:
        return self.text[0].isupper()

    @property
    def is_initial(self) -> bool:
        return len(self.text.rstrip(".")) == 1 and self.text[0].isalpha()


class NameFinder:
    """Loads the gazetteers once; `find` is pure."""

    def __init__(self) -> None:
        self._first = frozenset(n.casefold() for n in load_lines("first_names.txt"))
        self._last = frozenset(n.casefold() for n in load_lines("last_names.txt"))
        # Shared with the people detector: SCOWL's lower-case English words.
        self._words = load_lines("people/english_words.txt")

    def find(self, text: str) -> Iterator[Hit]:
        tokens = [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        index = 0
        while index < len(tokens):
            found = self._name_at(text, tokens, index)
            if found is None:
                index += 1
                continue
            last, score = found
            if score > 0:
                yield Hit("pii.person", tokens[index].start, tokens[last].end, score)
            index = last + 1

    def _name_at(self, text: str, tokens: list[_Token], index: int) -> tuple[int, float] | None:
        token = tokens[index]
        if token.key in _NOT_NAME or token.is_initial:
            return None
        window = max(0, token.start - _ATTRIBUTION_WINDOW)
        if _has_hint(text, window, token.start) and _ATTRIBUTION.search(text, window, token.start):
            # "painting by Greg Rutkowski": an artist credit (the ip/people detectors' job); skip it whole.
            return self._extend(text, tokens, index, lowercase=True), 0.0
        if not token.is_capitalized and (token.key not in self._first or token.key in self._words):
            return None  # a lower-case word that is no first name: nothing below makes it a name
        triggered = _TRIGGER.search(text, max(0, token.start - 24), token.start) is not None
        if not triggered and self._after_capitalized_word(text, tokens, index):
            return None  # "New York", "Lake Victoria": a place or brand, not a person
        if token.is_capitalized:
            return self._capitalized_name(text, tokens, index, triggered)
        if (
            token.key in self._first
            and token.key not in self._words
            and (triggered or self._lower_surname(text, tokens, index))
        ):
            return self._extend(text, tokens, index, lowercase=True), 0.75
        return None

    def _capitalized_name(
        self, text: str, tokens: list[_Token], index: int, triggered: bool
    ) -> tuple[int, float] | None:
        key = tokens[index].key
        last = self._extend(text, tokens, index, lowercase=False)
        rest = tokens[index + 1 : last + 1]
        if last + 1 < len(tokens) and tokens[last + 1].key in _COMPANY:
            return None
        if triggered:
            return last, 0.85
        if key in self._first and key not in self._words:
            return last, 0.85 if rest else 0.7
        # "Rose", "Frank", "Will" are names and words: they need a surname after them.
        if key in self._first and any(t.key in self._last or self._unusual(t) for t in rest):
            return last, 0.8
        words = [t for t in tokens[index : last + 1] if not t.is_initial]
        if len(words) > 1 and all(t.key in self._last or self._unusual(t) for t in words):
            return last, 0.65
        if self._unusual(tokens[index]) and _FOLLOWER.match(text, tokens[last].end):
            return last, 0.75  # "Trivo lives on ...", "Adomo began writing"
        if key in self._last and self._unusual(tokens[index]):
            return (last, 0.6) if not _sentence_start(text, tokens[index].start) else None
        return None

    def _unusual(self, token: _Token) -> bool:
        """Capitalised, not an acronym and not an English word: "Tosh Olsen", not "Golden Gate"."""
        word = token.text.rstrip(".")
        return not word.isupper() and word.casefold() not in self._words

    def _after_capitalized_word(self, text: str, tokens: list[_Token], index: int) -> bool:
        if index == 0 or text[tokens[index - 1].end : tokens[index].start] != " ":
            return False
        before = tokens[index - 1]
        return before.is_capitalized and before.key in self._words and before.key not in _NOT_NAME

    def _lower_surname(self, text: str, tokens: list[_Token], index: int) -> bool:
        """A lower-case first name counts only when a known surname follows ("eva kleist")."""
        last = self._extend(text, tokens, index, lowercase=True)
        surname = tokens[last].key
        return last > index and surname in self._last and surname not in self._words

    def _extend(self, text: str, tokens: list[_Token], index: int, *, lowercase: bool) -> int:
        """Index of the last token of the name: up to three more name-like tokens on one line."""
        last = index
        while last + 1 < len(tokens) and last - index < _MAX_EXTRA_TOKENS:
            nxt = tokens[last + 1]
            gap = text[tokens[last].end : nxt.start]
            name_like = nxt.is_capitalized or (lowercase and (nxt.is_initial or nxt.key in self._last))
            stop = (nxt.key in _NOT_NAME and not nxt.is_initial) or nxt.key in _COMPANY
            if gap not in ("", " ") or stop or not name_like:
                break
            last += 1
        # A name does not end on a bare initial: "Tom I love" is "Tom".
        while last > index and tokens[last].is_initial and not tokens[last].text.endswith("."):
            last -= 1
        return last


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in ".!?\n:>\"'"


@lru_cache(maxsize=8)
def _hints(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of every "by" and "style" in `text` (they never overlap one another)."""
    return tuple(match.span() for match in _ATTRIBUTION_HINT.finditer(text))


def _has_hint(text: str, start: int, end: int) -> bool:
    """Whether a "by" or "style" lies wholly inside text[start:end]."""
    hints = _hints(text)
    index = bisect_left(hints, (start, -1))
    while index < len(hints) and hints[index][0] < end:
        if hints[index][1] <= end:
            return True
        index += 1
    return False
