"""The canonical text detectors match against, with offsets that map back to the original."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from limner.policy.lookalikes import HOMOGLYPHS, INVISIBLE_RANGES, LEET

# (character, offset in the original text where it came from)
_Chars = list[tuple[str, int]]
# Per character of a string, the offset in the original text it came from.
Index = Sequence[int]

_LETTER_SEPARATORS = frozenset(" .-_")
_MIN_SPACED_RUN = 3


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text plus, per character, the offset in the original text it came from."""

    text: str
    index: tuple[int, ...]  # len(text) + 1 entries; index[-1] == len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized [start, end) to the smallest original [start, end) that covers it."""
        orig_start = self.index[start]
        orig_end = self.index[end]
        # An expanded character (ligature "ﬁ" -> "fi") shares one offset; keep the span non-empty.
        while orig_end <= orig_start and end < len(self.text):
            end += 1
            orig_end = self.index[end]
        if orig_end <= orig_start:
            orig_end = self.index[-1]
        return orig_start, orig_end


_INVISIBLE = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in INVISIBLE_RANGES) + "]")
# Fast-path tests: a text they do not match is left unchanged by the step they guard.
_LEET_RUN = re.compile("[" + re.escape("".join(LEET)) + "]+")
_WHITESPACE_RUN = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WHITESPACE_TO_CHANGE = re.compile(r"\s\s|[^\S ]")
# Three single letters joined by separators, the first not preceded by a letter or digit (the
# class [^\W\d_] holds every letter and a few other characters: it may only find too much).
_SPACED_CANDIDATE = re.compile(r"(?<![^\W_])[^\W\d_][ ._-][^\W\d_][ ._-][^\W\d_](?![^\W_])")


# Control characters (NUL, ESC, C1 controls...) are dropped; tab, newline and carriage return stay
# as whitespace. An attacker puts them between digit groups to split a card number.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _is_invisible(char: str) -> bool:
    return _INVISIBLE.match(char) is not None or _CONTROL.match(char) is not None


def _ascii_digit(char: str) -> str:
    """Any Unicode decimal digit (Arabic-Indic, Devanagari, full-width...) as its ASCII digit."""
    if char.isascii():
        return char
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def _nfkc(text: str) -> _Chars:
    """Drop invisibles, then NFKC each base character together with its combining marks."""
    visible, origins = _visible(text)
    out: _Chars = []
    pos = 0
    while pos < len(visible):
        # An ASCII character followed by another ASCII character is a cluster NFKC leaves alone.
        following = _NON_ASCII.search(visible, pos + 1)
        plain_end = following.start() - 1 if following else len(visible)
        if pos < plain_end and visible[pos].isascii():
            out.extend(zip(visible[pos:plain_end], origins[pos:plain_end], strict=True))
            pos = plain_end
            continue
        cluster_end = pos + 1
        while cluster_end < len(visible) and unicodedata.combining(visible[cluster_end]):
            cluster_end += 1
        origin = origins[pos]
        folded = unicodedata.normalize("NFKC", visible[pos:cluster_end])
        out.extend((_ascii_digit(c), origin) for c in folded)
        pos = cluster_end
    return out


def _visible(text: str) -> tuple[str, Index]:
    """`text` without invisible or control characters, and the offset each kept character came from."""
    if not _INVISIBLE.search(text) and not _CONTROL.search(text):
        return text, range(len(text))
    origins = [i for i, c in enumerate(text) if not _is_invisible(c)]
    return "".join(text[i] for i in origins), origins


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def _should_fold(word: str) -> bool:
    """Fold a word's look-alikes if it mixes in Latin or consists only of look-alikes.

    A genuine Russian or Greek word almost always holds a letter with no Latin twin: left alone.
    """
    has_latin = any(_is_latin(c) for c in word)
    all_foldable = all(_is_latin(c) or c in HOMOGLYPHS for c in word)
    return has_latin or all_foldable


def _fold_homoglyphs(chars: _Chars) -> _Chars:
    if not any(c in HOMOGLYPHS for c, _ in chars):
        return chars  # nothing to fold
    out: _Chars = []
    pos = 0
    while pos < len(chars):
        if not chars[pos][0].isalpha():
            out.append(chars[pos])
            pos += 1
            continue
        word_end = pos
        while word_end < len(chars) and chars[word_end][0].isalpha():
            word_end += 1
        word = chars[pos:word_end]
        fold = _should_fold("".join(c for c, _ in word))
        out.extend((HOMOGLYPHS.get(c, c) if fold else c, i) for c, i in word)
        pos = word_end
    return out


def _casefold(chars: _Chars) -> _Chars:
    text = "".join(c for c, _ in chars)
    folded = text.casefold()  # per character, without context: the same as folding one by one
    if len(folded) == len(text):
        return list(zip(folded, (i for _, i in chars), strict=True))
    return [(folded, i) for c, i in chars for folded in c.casefold()]


def _char_at(chars: _Chars, pos: int) -> str:
    return chars[pos][0] if 0 <= pos < len(chars) else " "


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in LEET


def _spaced_run_end(chars: _Chars, start: int) -> int:
    """End (exclusive) of a run of single letters joined by one separator each."""
    end = start + 1
    while (
        _char_at(chars, end) in _LETTER_SEPARATORS
        and _char_at(chars, end + 1).isalpha()
        and not _char_at(chars, end + 2).isalnum()
    ):
        end += 2
    return end


def _collapse_spaced_letters(chars: _Chars) -> _Chars:
    out: _Chars = []
    pos = 0
    while pos < len(chars):
        char = chars[pos][0]
        isolated = not _char_at(chars, pos - 1).isalnum() and not _char_at(chars, pos + 1).isalnum()
        if char.isalpha() and isolated:
            end = _spaced_run_end(chars, pos)
            if (end - pos + 1) // 2 >= _MIN_SPACED_RUN:
                out.extend(chars[pos:end:2])
                pos = end
                continue
        out.append(chars[pos])
        pos += 1
    return out


def _map_leet(text: str) -> str:
    """Map a run of leet symbols inside a word to letters; the length never changes."""
    out: list[str] = []
    cursor = 0
    for run in _LEET_RUN.finditer(text):
        if _leet_run_maps(text, run.start(), run.end()):
            out += [text[cursor : run.start()], "".join(LEET[c] for c in run.group())]
            cursor = run.end()
    return "".join(out) + text[cursor:] if out else text


def _leet_run_maps(text: str, start: int, end: int) -> bool:
    """Map a run of leet symbols if letters touch it and its word has two or more real letters."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    next_to_letter = before.isalpha() or after.isalpha()
    edges_ok = (before.isalpha() or not before.isalnum()) and (after.isalpha() or not after.isalnum())
    if not (next_to_letter and edges_ok):
        return False
    word_start, word_end = start, end
    while word_start > 0 and _is_word_char(text[word_start - 1]):
        word_start -= 1
    while word_end < len(text) and _is_word_char(text[word_end]):
        word_end += 1
    return sum(c.isalpha() for c in text[word_start:word_end]) >= 2


def _collapse_whitespace(text: str, index: Index) -> tuple[str, Index]:
    """Each whitespace run becomes one space (carrying the offset of the run's first character)."""
    if not _WHITESPACE_TO_CHANGE.search(text):
        return text, index
    out: list[str] = []
    kept: list[int] = []
    cursor = 0
    for run in _WHITESPACE_RUN.finditer(text):
        out += [text[cursor : run.start()], " "]
        kept += index[cursor : run.start()]
        kept.append(index[run.start()])
        cursor = run.end()
    out.append(text[cursor:])
    kept += index[cursor:]
    return "".join(out), kept


def _collapse_spaced(text: str, index: Index) -> tuple[str, Index]:
    if not _SPACED_CANDIDATE.search(text):
        return text, index
    chars = _collapse_spaced_letters(list(zip(text, index, strict=True)))
    return "".join(c for c, _ in chars), [i for _, i in chars]


@lru_cache(maxsize=512)
def _canonical(text: str) -> tuple[str, Index]:
    """Invisibles dropped, NFKC, look-alikes folded, casefolded: shared by normalize()'s two forms."""
    if text.isascii() and not _CONTROL.search(text):  # NFKC, folding and dropping change nothing
        return text.lower(), range(len(text))
    chars = _casefold(_fold_homoglyphs(_nfkc(text)))
    return "".join(c for c, _ in chars), tuple(i for _, i in chars)


@lru_cache(maxsize=512)
def normalize(text: str, *, leet: bool = False) -> Normalized:
    """Return the canonical form of `text` that detectors match against, with an offset map back.

    Steps: drop zero-width/bidi/tag and control characters, NFKC, Unicode decimal digits to ASCII,
    fold look-alike letters to Latin, casefold,
    optionally map leetspeak inside words, collapse whitespace, join spaced-out letters ("k i l l").
    """
    canonical, index = _canonical(text)
    if leet:
        canonical = _map_leet(canonical)
    # Joining spaced letters before and after whitespace collapse keeps "j o h n  s m i t h" two
    # words, and still catches "k  i  l  l".
    canonical, index = _collapse_spaced(canonical, index)
    canonical, index = _collapse_whitespace(canonical, index)
    canonical, index = _collapse_spaced(canonical, index)
    return Normalized(text=canonical, index=(*index, len(text)))
