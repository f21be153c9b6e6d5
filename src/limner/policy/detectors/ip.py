"""Intellectual property in prompts: copyrighted characters, trademarks, living artists' styles."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from limner.policy.detectors.ip_context import (
    Hit,
    artist_score,
    brand_score,
    character_score,
    prompt_cues,
)
from limner.policy.detectors.ip_data import (
    ARTIST_STYLE,
    CHARACTER,
    TRADEMARK,
    Ambiguity,
    Character,
    Entry,
    character_phrases,
    named_phrases,
    shipped_artists,
    shipped_brands,
    shipped_characters,
)
from limner.policy.detectors.people_lexicon import load_lexicon
from limner.policy.detectors.people_text import PhraseMatcher, Prepared, Token
from limner.policy.normalize import normalize
from limner.policy.schemas import Finding

__all__ = ["IpConfig", "IpDetector", "shipped_artists", "shipped_brands", "shipped_characters"]


class IpConfig(BaseModel):
    """Settings for the intellectual-property detector."""

    kind: Literal["ip"] = "ip"
    extra_characters: list[str] = Field(
        default_factory=list,
        description='More characters to flag as ip.character ("Name|alias" per entry)',
    )
    extra_brands: list[str] = Field(
        default_factory=list,
        description='More brands to flag as ip.trademark ("Name|alias" per entry)',
    )
    extra_artists: list[str] = Field(
        default_factory=list,
        description='More living artists to flag as ip.artist_style ("Name|alias" per entry)',
    )
    threshold: float = Field(default=0.5, ge=0.0, le=1.0, description="Minimum score for any ip.* finding")


class IpDetector:
    """Gazetteer hits on folded text; ordinary-word names only count with IP or brand context."""

    name = "ip"

    def __init__(self, config: IpConfig) -> None:
        self._config = config
        lexicon = load_lexicon()
        extra = [
            Character(line.split("|")[0], "", tuple(line.split("|")[1:])) for line in config.extra_characters
        ]
        phrases = [
            *character_phrases([*shipped_characters(), *extra], lexicon),
            *named_phrases([*shipped_brands(), *config.extra_brands], TRADEMARK, lexicon),
            *named_phrases([*shipped_artists(), *config.extra_artists], ARTIST_STYLE, lexicon),
        ]
        self._matcher: PhraseMatcher[Entry] = PhraseMatcher(phrases)

    def detect(self, text: str) -> list[Finding]:
        findings = self._scan(text, Prepared.of(normalize(text)), leet=False)
        if any(map(str.isdigit, text)) or "@" in text or "$" in text:
            taken = {(f.start, f.end) for f in findings}
            leet = self._scan(text, Prepared.of(normalize(text, leet=True)), leet=True)
            findings += [f for f in leet if not _overlaps(f, taken)]
        return sorted(findings, key=lambda f: (f.start, f.category))

    def _scan(self, text: str, prepared: Prepared, *, leet: bool) -> list[Finding]:
        tokens = prepared.tokens(text)
        hits = _hits(self._matcher.find(prepared.text), tokens)
        if leet:  # leetspeak folding invents words: only names that are nothing else count
            hits = [h for h in hits if h.entry.ambiguity is Ambiguity.NONE]
        best: dict[tuple[int, int, str], float] = {}
        for hit in hits:
            score = self._score(hit, hits, tokens)
            start, end = prepared.span(hit.start, hit.end)
            key = (start, end, hit.entry.category)
            if score >= self._config.threshold and score > best.get(key, 0.0):
                best[key] = score
        return [Finding(self.name, cat, start, end, score) for (start, end, cat), score in best.items()]

    def _score(self, hit: Hit, hits: list[Hit], tokens: list[Token]) -> float:
        if hit.entry.category == CHARACTER:
            franchises = {
                h.entry.franchise
                for h in hits
                if h is not hit and h.entry.category == CHARACTER and h.entry.ambiguity < Ambiguity.WORD
            }
            return character_score(hit, tokens, prompt_cues(tokens), franchises)
        if hit.entry.category == TRADEMARK:
            sure = [h for h in hits if h.entry.category == TRADEMARK and h.entry.ambiguity is Ambiguity.NONE]
            return brand_score(hit, tokens, sure)
        return artist_score(hit, tokens)


def _hits(found: list[tuple[int, int, list[Entry]]], tokens: list[Token]) -> list[Hit]:
    """Map folded-text matches to token indexes; a match must start and end on word edges."""
    by_start = {t.start: i for i, t in enumerate(tokens)}
    by_end = {t.end: i for i, t in enumerate(tokens)}
    by_end.update({t.end + 2: i for i, t in enumerate(tokens) if t.is_possessive})
    hits = []
    for start, end, entries in found:
        first, last = by_start.get(start), by_end.get(end)
        if first is None or last is None:
            continue
        hits += [Hit(first, last, entry, start, end) for entry in entries]
    return hits


def _overlaps(finding: Finding, taken: set[tuple[int, int]]) -> bool:
    return any(finding.start < end and start < finding.end for start, end in taken)
