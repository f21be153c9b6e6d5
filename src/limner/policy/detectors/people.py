"""Real people in prompts: listed public figures and other real-looking personal names."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, Field

from limner.policy.detectors.ip_data import shipped_brands, shipped_characters
from limner.policy.detectors.people_lexicon import NAMES_DESPITE_WORDS, Lexicon, load_lexicon
from limner.policy.detectors.people_names import find_names
from limner.policy.detectors.people_text import PhraseMatcher, Prepared, Token, data_lines, fold
from limner.policy.normalize import normalize
from limner.policy.schemas import Finding

PUBLIC_FIGURE = "person.public_figure"
NAMED = "person.named"
HISTORICAL = "person.historical"
_FIGURE_FILES = ("us_politicians.txt", "world_figures.txt")
_SUFFIX = re.compile(r",?\s+(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
_FULL_NAME_SCORE = 0.95
_SINGLE_WORD_SCORE = 0.85
_Spans = dict[tuple[int, int], tuple[str, float]]  # original span -> (category, score)


class PeopleConfig(BaseModel):
    """Settings for the real-people detector."""

    kind: Literal["people"] = "people"
    extra_names: list[str] = Field(
        default_factory=list,
        description="More public figures to flag as person.public_figure, one name or alias each",
    )
    threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Minimum score for a person.named finding (names that no list holds)",
    )
    historical_after_years: int = Field(
        default=70,
        ge=0,
        description="A listed person who died at least this many years ago is person.historical "
        "(70: the works of an artist who died then are in the public domain in most countries)",
    )


class PeopleDetector:
    """Flags public figures from a shipped gazetteer, and unlisted names by heuristics."""

    name = "people"

    def __init__(self, config: PeopleConfig, *, figures: Iterable[str] | None = None) -> None:
        """`figures` ("Name|alias|alias" lines) replaces the shipped gazetteer: for benchmarks."""
        self._config = config
        self._lexicon: Lexicon = load_lexicon()
        lines = list(figures) if figures is not None else shipped_figures()
        cutoff = datetime.date.today().year - config.historical_after_years
        dead = {name for name, year in shipped_deaths().items() if year <= cutoff}
        is_dead = [any(fold(n) in dead for n in line.split("|")) for line in lines]
        historical = [line for line, gone in zip(lines, is_dead, strict=True) if gone]
        living = [line for line, gone in zip(lines, is_dead, strict=True) if not gone]
        self._figures: PhraseMatcher[bool] = PhraseMatcher(
            _phrases([*living, *config.extra_names], self._lexicon)
        )
        self._historical = PhraseMatcher(_phrases(historical, self._lexicon)) if historical else None
        self._fictional: PhraseMatcher[bool] = PhraseMatcher(_fictional_phrases())

    def detect(self, text: str) -> list[Finding]:
        prepared = Prepared.of(normalize(text))
        tokens = prepared.tokens(text)
        figures = self._figure_spans(prepared, tokens)
        findings = {prepared.span(s, e): (PUBLIC_FIGURE, score) for s, e, score in figures}
        historical = self._figure_spans(prepared, tokens, self._historical) if self._historical else []
        for start, end, score in historical:
            if not _overlaps(span := prepared.span(start, end), findings):
                findings[span] = (HISTORICAL, score)
        figures += historical
        findings.update(self._leet_figures(text, findings))
        taken = {i for i, t in enumerate(tokens) if any(s <= t.start < e for s, e, _ in figures)}
        findings.update(self._names(prepared, tokens, taken, findings))
        return [
            Finding(self.name, category, start, end, round(score, 3))
            for (start, end), (category, score) in sorted(findings.items())
        ]

    def _names(self, prepared: Prepared, tokens: list[Token], taken: set[int], seen: _Spans) -> _Spans:
        """person.named hits that are not a listed figure, a character or a brand."""
        fictional = [(s, e) for s, e, _ in self._fictional.find(prepared.text)]
        found: _Spans = {}
        for hit in find_names(tokens, self._lexicon, taken):
            if any(s <= hit.start and hit.end <= e for s, e in fictional):
                continue  # "Mickey Mouse", "Peter Pan": a character or brand, not a person
            span = prepared.span(hit.start, hit.end)
            if round(hit.score, 3) >= self._config.threshold and not _overlaps(span, seen):
                found[span] = (NAMED, min(hit.score, 1.0))
        return found

    def _figure_spans(
        self, prepared: Prepared, tokens: list[Token], matcher: PhraseMatcher[bool] | None = None
    ) -> list[tuple[int, int, float]]:
        capitalized = {t.start: t.is_capitalized for t in tokens}
        spans = []
        for start, end, needs_capital in (matcher or self._figures).find(prepared.text):
            last_word = prepared.text.rfind(" ", start, end) + 1 or start
            if all(needs_capital) and not capitalized.get(last_word):
                continue
            single = " " not in prepared.text[start:end]
            spans.append((start, end, _SINGLE_WORD_SCORE if single else _FULL_NAME_SCORE))
        return spans

    def _leet_figures(self, text: str, seen: _Spans) -> _Spans:
        """Names written in leetspeak ("0bama"); only runs when the text has digits or symbols."""
        if not (any(map(str.isdigit, text)) or "@" in text or "$" in text):
            return {}
        leet = normalize(text, leet=True)
        if leet == normalize(text):
            return {}  # nothing was leetspeak: the plain scan found these very spans already
        prepared = Prepared.of(leet)
        spans = self._figure_spans(prepared, prepared.tokens(text))
        found = {prepared.span(s, e): (PUBLIC_FIGURE, score) for s, e, score in spans}
        return {span: hit for span, hit in found.items() if not _overlaps(span, seen)}


def _overlaps(span: tuple[int, int], taken: _Spans) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def shipped_figures() -> list[str]:
    """The gazetteer lines shipped with Limner ("Name|alias|alias")."""
    return [line for name in _FIGURE_FILES for line in data_lines("people", name)]


def shipped_deaths() -> dict[str, int]:
    """Folded name → year of death for listed people who have died (data/people/deceased.tsv)."""
    deaths = {}
    for line in data_lines("people", "deceased.tsv"):
        name, year, _source = line.split("\t")
        deaths[fold(name)] = int(year)
    return deaths


def _fictional_phrases() -> Iterator[tuple[str, bool]]:
    """Character and brand names (ip detector's lists) that look like personal names."""
    for character in shipped_characters():
        for name in (character.name, *character.aliases):
            yield fold(name.lstrip("~!")), True
    for line in shipped_brands():
        for name in line.split("|"):
            yield fold(name.lstrip("~")), True


def _phrases(lines: Iterable[str], lexicon: Lexicon) -> Iterator[tuple[str, bool]]:
    """(folded phrase, needs a capital) for every name, alias and spelling variant."""
    for line in lines:
        for name in line.split("|"):
            for variant in _variants(name.strip()):
                words = variant.split()
                # "Trump", "French Hill": ordinary words need a capital; "Mark Green" is a name.
                ordinary = all(w in lexicon.words for w in words)
                is_name_first = len(words) > 1 and words[0] in NAMES_DESPITE_WORDS
                needs_capital = ordinary and not is_name_first
                yield variant, needs_capital


def _variants(name: str) -> set[str]:
    """Spellings people type: without Jr., without dots, first + last only."""
    bare = _SUFFIX.sub("", name)
    forms = {fold(name), fold(bare), fold(bare.replace(".", ""))}
    words = fold(bare).split()
    if len(words) >= 3 and len(words[0]) > 1:
        forms.add(f"{words[0]} {words[-1]}")
    if len(words) >= 3 and len(words[0]) == 1:
        forms.add(" ".join(words[1:]))  # "J. French Hill" goes by "French Hill"
    return {form for form in forms if len(form.replace(" ", "")) >= 2}
