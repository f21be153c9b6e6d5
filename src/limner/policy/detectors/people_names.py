"""Heuristics for personal names that no gazetteer lists: first name + surname, titles, context."""

from __future__ import annotations

from dataclasses import dataclass

from limner.policy.detectors.people_lexicon import (
    ACTION_WORDS,
    AUTHOR_CUES,
    DEPICTION_NOUNS,
    STOPWORDS,
    TITLES,
    Lexicon,
)
from limner.policy.detectors.people_text import Token

_BASE = 0.5
_CONTEXT_WINDOW = 3
_SUBJECT_CUES = frozenset({"with", "featuring", "starring", "showing", "depicting"})
_ARTICLES = frozenset({"a", "an", "the", "this", "that", "our", "their"})


@dataclass(frozen=True, slots=True)
class NameHit:
    """A likely personal name spanning tokens [first, last] (inclusive), in folded offsets."""

    start: int
    end: int
    score: float


def find_names(tokens: list[Token], lexicon: Lexicon, taken: set[int]) -> list[NameHit]:
    """Score each token that could start a name; `taken` holds indexes already claimed."""
    hits: list[NameHit] = []
    authors = _author_positions(tokens)
    index = 0
    while index < len(tokens):
        hit = None if index in taken or index in authors else _name_at(tokens, index, lexicon)
        if hit is None:
            index += 1
            continue
        last = hit[0]
        while tokens[last].is_hyphenated and last + 1 < len(tokens):
            last += 1  # double-barrelled surnames
        hits.append(NameHit(tokens[index].start, tokens[last].end, hit[1]))
        index = last + 1
    return hits


def _name_at(tokens: list[Token], index: int, lexicon: Lexicon) -> tuple[int, float] | None:
    """(index of the last token, score) of a name starting at `index`, or None."""
    word = tokens[index].word
    if word in TITLES:
        return _after_title(tokens, index, lexicon)
    if word in STOPWORDS:
        return None
    if word in lexicon.first_names:
        return _first_last(tokens, index, lexicon)
    return _unknown_pair(tokens, index, lexicon)


def _surname_index(tokens: list[Token], index: int) -> int | None:
    """The token after a first name, skipping one middle initial ("John F. Kennedy")."""
    following = index + 1
    if following < len(tokens) and len(tokens[following].word) == 1:
        following += 1
    if following >= len(tokens) or not all(t.is_joined for t in tokens[index + 1 : following + 1]):
        return None
    return following


def _surname_score(token: Token, lexicon: Lexicon) -> float | None:
    """How much a token looks like a surname; None when it cannot be one."""
    word = token.word
    if word in STOPWORDS or len(word) < 2 or not word.isalpha():
        return None
    if word not in lexicon.words:
        return 0.2
    if word in lexicon.surnames:
        # "Stone", "Brown", "Bear" are surnames and words: only a capital tells them apart.
        return 0.2 if token.is_capitalized else -0.1
    return 0.0 if token.is_capitalized else -0.3


def _first_last(tokens: list[Token], index: int, lexicon: Lexicon) -> tuple[int, float] | None:
    last = _surname_index(tokens, index)
    if last is None:
        return None
    surname = _surname_score(tokens[last], lexicon)
    if surname is None:
        return None
    first = tokens[index]
    both_capitalized = first.is_capitalized and tokens[last].is_capitalized
    score = _BASE + surname + (0.15 if both_capitalized else 0.0)
    if lexicon.is_ambiguous_first_name(first.word) and not both_capitalized:
        score -= 0.3
    return last, score + _context(tokens, index, last)


def _after_title(tokens: list[Token], index: int, lexicon: Lexicon) -> tuple[int, float] | None:
    """`President X`, `Dr X Y`: a title followed by a name-like token."""
    name = index + 1
    if name >= len(tokens) or tokens[name].word in TITLES or tokens[index].is_possessive:
        return None
    if not tokens[name].is_joined:
        return None
    article = index > 0 and tokens[index - 1].word in _ARTICLES
    if tokens[name].word in DEPICTION_NOUNS or (article and not tokens[name].is_capitalized):
        return None  # "the senator's mugshot", "a senator giving a speech"
    surname = _surname_score(tokens[name], lexicon)
    if surname is None:
        return None
    last = name
    after = name + 1
    if after < len(tokens) and tokens[after].is_joined and tokens[name].word in lexicon.first_names:
        following = _surname_score(tokens[after], lexicon)
        last = after if following is not None and following > 0 else name
    capital = 0.15 if tokens[name].is_capitalized else 0.0
    penalty = -0.3 if surname < 0 and not capital else 0.0
    return last, _BASE + 0.2 + max(surname, 0.0) + capital + penalty


def _unknown_pair(tokens: list[Token], index: int, lexicon: Lexicon) -> tuple[int, float] | None:
    """Two unfamiliar words ("Zorblax Quentin", "kristalina georgieva"): a name only in context."""
    last = index + 1
    if last >= len(tokens) or not _unknown(tokens[index], lexicon):
        return None
    first, second = tokens[index], tokens[last]
    if not second.is_joined or not (_unknown(second, lexicon) or _capitalized_surname(second, lexicon)):
        return None
    capitalized = first.is_capitalized and second.is_capitalized
    if not capitalized and index > 0 and tokens[index - 1].word in _ARTICLES:
        return None  # "a shiba inu": a name does not follow an article
    bonus = 0.1 if second.word in lexicon.surnames else 0.0
    penalty = 0.0 if capitalized else 0.05
    return last, _BASE + bonus - penalty + _context(tokens, index, last)


def _unknown(token: Token, lexicon: Lexicon) -> bool:
    word = token.word
    return (
        word.isalpha()
        and len(word) >= (2 if token.is_capitalized else 3)
        and lexicon.is_unfamiliar(word)
        and word not in STOPWORDS
    )


def _capitalized_surname(token: Token, lexicon: Lexicon) -> bool:
    return token.is_capitalized and token.word in lexicon.surnames


def _context(tokens: list[Token], first: int, last: int) -> float:
    """+0.15 when the words around look like a caption about a person."""
    before = {t.word for t in tokens[max(0, first - _CONTEXT_WINDOW) : first]}
    after = tokens[last + 1].word if last + 1 < len(tokens) else ""
    if first > 0 and tokens[first - 1].word in TITLES:
        return 0.15
    if before & DEPICTION_NOUNS or after in ACTION_WORDS or tokens[last].is_possessive:
        return 0.15
    if after.endswith("ing") and len(after) > 4:
        return 0.15  # "X riding a horse", "X sleeping in a meeting"
    return 0.0


def _author_positions(tokens: list[Token]) -> set[int]:
    """Tokens after "by" or "style of" up to a depiction word or a sentence end: in "art by Greg
    Rutkowski, James Jean and Craig Mullins" the names made the style; nobody is depicted."""
    positions: set[int] = set()
    authoring = False
    for index, token in enumerate(tokens):
        if token.is_sentence_start or token.word in DEPICTION_NOUNS or token.word in _SUBJECT_CUES:
            authoring = False
        if authoring:
            positions.add(index)
        if token.word in AUTHOR_CUES:
            authoring = True
    return positions
