"""Shared plumbing for the DLP detectors: hits, context words, merging, the de-obfuscated view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from limner.policy.normalize import normalize
from limner.policy.schemas import Finding


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector hit before it becomes a Finding: offsets into whatever text was scanned."""

    category: str
    start: int
    end: int
    score: float


Finder = Callable[[str], Iterable[Hit]]
# Four or more single characters separated by one to three spaces: "j o h n  d o e".
_SPACED_RUN = re.compile(r"(?<!\S)\S(?: {1,3}\S){3,}(?!\S)")


def words_pattern(words: Iterable[str] | str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of `words` ("a|b c|d" or a list) as whole words."""
    if isinstance(words, str):
        words = words.split("|")
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def near(pattern: re.Pattern[str], text: str, start: int, end: int, window: int = 40) -> bool:
    """Whether `pattern` matches within `window` characters around text[start:end]."""
    return pattern.search(text, max(0, start - window), min(len(text), end + window)) is not None


def load_lines(name: str) -> frozenset[str]:
    """Read a data file shipped in limner/policy/data, one entry per line, "#" for comments."""
    data = resources.files("limner.policy").joinpath("data", *name.split("/"))
    lines = (line.strip() for line in data.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=64)  # the pii and secrets detectors both ask for the view of one prompt
def deobfuscated(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]] | None:
    """The normalized text with the original letter case put back, and its span mapper.

    Case matters to the name and key finders, so it is restored from the original character each
    normalized character came from. None when normalization changed nothing but case and spacing.
    """
    result = normalize(text)
    chars = [
        c.upper() if text[origin].isupper() and len(c.upper()) == 1 else c
        for c, origin in zip(result.text, result.index, strict=False)
    ]
    view = "".join(chars)
    if view == " ".join(text.split()):
        return None
    return view, result.span


@lru_cache(maxsize=64)
def despaced(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]] | None:
    """Join spaced-out characters ("4 1 1 1  2 2 2 2" -> "4111 2222"), with a span mapper.

    normalize() joins only letters, because "1.5 x 2" must stay a formula for every detector;
    values such as card numbers and e-mail addresses need digits and symbols joined too.
    """
    kept: list[int] = []
    cursor = 0
    for match in _SPACED_RUN.finditer(text):
        kept.extend(range(cursor, match.start()))
        for pos in range(match.start(), match.end()):
            if text[pos] != " ":
                kept.append(pos)
            elif text[pos + 1] == " " and text[pos - 1] != " ":
                kept.append(pos)  # two or more spaces separate words: keep one
        cursor = match.end()
    if cursor == 0:
        return None
    kept.extend(range(cursor, len(text)))

    def span(start: int, end: int) -> tuple[int, int]:
        return kept[start], kept[end - 1] + 1

    return "".join(text[i] for i in kept), span


def run_finders(text: str, finders: Iterable[Finder], *, evasions: bool) -> list[Hit]:
    """Run every finder on `text` and, if asked, on its de-obfuscated views mapped back."""
    finders = list(finders)
    hits = [hit for find in finders for hit in find(text)]
    views = [deobfuscated(text), despaced(text)] if evasions else []
    for view in views:
        if view is None:
            continue
        view_text, span = view
        for find in finders:
            for hit in find(view_text):
                start, end = span(hit.start, hit.end)
                hits.append(Hit(hit.category, start, end, hit.score))
    return hits


def merge(hits: Iterable[Hit]) -> Iterator[Hit]:
    """Merge overlapping hits of one category into one span carrying the best score."""
    by_category: dict[str, list[Hit]] = {}
    for hit in hits:
        by_category.setdefault(hit.category, []).append(hit)
    for category, group in by_category.items():
        group.sort(key=lambda h: (h.start, h.end))
        current = group[0]
        for hit in group[1:]:
            if hit.start < current.end:
                end, score = max(current.end, hit.end), max(current.score, hit.score)
                current = Hit(category, current.start, end, score)
            else:
                yield current
                current = hit
        yield current


def drop_shadowed(hits: list[Hit], priority: dict[str, int]) -> list[Hit]:
    """Drop a hit overlapped by a hit of a higher-priority category (a card is not also a phone)."""
    ranked = [h for h in hits if h.category in priority]
    kept = [
        hit
        for hit in hits
        if hit.category not in priority
        or not any(
            priority[other.category] > priority[hit.category]
            and other.start < hit.end
            and hit.start < other.end
            for other in ranked
        )
    ]
    return kept


def to_findings(detector: str, hits: Iterable[Hit], min_score: float) -> list[Finding]:
    findings = [
        Finding(detector, h.category, h.start, h.end, round(min(1.0, h.score), 3))
        for h in hits
        if h.score >= min_score
    ]
    return sorted(findings, key=lambda f: (f.start, f.end, f.category))
