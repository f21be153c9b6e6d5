"""Context that turns an ambiguous name into an IP reference: cue words around a hit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from limner.policy.detectors.ip_data import Ambiguity, Entry
from limner.policy.detectors.people_text import Token

# fmt: off
# Anywhere in a prompt, these make "Storm" or "Belle" the character rather than the word.
CHARACTER_CUES = frozenset(
    [
        "character", "characters", "cartoon", "cartoons", "costume", "cosplay", "cosplaying",
        "cosplayer", "fanart", "plush", "plushie", "figurine", "superhero", "superheroes",
        "supervillain", "villain", "comic", "comics", "anime", "manga", "disney", "pixar", "marvel",
        "dc", "avengers", "xmen", "mutant", "mutants", "nintendo", "pokemon", "pokémon", "sega",
        "zelda", "hyrule", "mario", "jedi", "sith", "hogwarts", "wizarding", "simpsons", "looney",
        "dreamworks", "ghibli", "muppets", "lego", "mcu", "animated", "animation", "videogame",
        "franchise", "gotham", "krypton", "asgard", "wakanda", "arendelle", "frozen", "shrek",
    ]
)
CHARACTER_CUE_PAIRS = frozenset(
    {
        "star wars",
        "x men",
        "toy story",
        "action figure",
        "video game",
        "fan art",
        "justice league",
        "sesame street",
        "looney tunes",
        "teen titans",
        "lion king",
        "spider verse",
    }
)

# Within two words of an ambiguous brand: "the Apple logo", "Shell company", "brand Dove".
BRAND_CUES = frozenset(
    [
        "logo", "logos", "brand", "brands", "branded", "branding", "company", "corporation", "corp",
        "inc", "ltd", "llc", "trademark", "product", "products", "packaging", "store", "stores",
        "shop", "headquarters", "hq", "advertisement", "advert", "ad", "ads", "commercial",
        "billboard", "sponsor", "sponsored", "merch", "merchandise", "app", "website", "mascot",
        "slogan", "franchise", "dealership",
    ]
)

# After a capitalised ambiguous brand: "a Jaguar car", "Corona beer", "Apple laptop".
PRODUCT_NOUNS = frozenset(
    [
        "phone", "smartphone", "iphone", "laptop", "computer", "watch", "shoes", "shoe", "sneakers",
        "sneaker", "trainers", "car", "cars", "truck", "suv", "sedan", "bottle", "bottles", "can",
        "cans", "soda", "cola", "beer", "vodka", "whiskey", "cigarette", "cigarettes", "jacket",
        "shirt", "hoodie", "cap", "console", "controller", "headphones", "earbuds", "tablet", "tv",
        "television", "camera", "gas", "station", "restaurant", "burger", "fries", "sandwich", "sign",
        "van", "bike", "motorcycle", "jeans", "handbag", "purse", "perfume", "soap", "shampoo",
        "toothpaste", "detergent", "credit", "card", "airplane", "plane", "jet", "airline", "chips",
        "cereal", "chocolate", "candy", "bar", "coffee", "cup",
    ]
)

# Before an artist: "in the style of X", "art by X", "painted by X".
STYLE_CUES = frozenset(
    [
        "style", "styled", "by", "art", "artist", "artwork", "painted", "drawn", "illustrated",
        "inspired", "manner", "homage", "aesthetic",
    ]
)
# fmt: on

CHARACTER_SCORES = {Ambiguity.NONE: 0.95, Ambiguity.NAME: 0.7, Ambiguity.WORD: 0.3}
_CUED = {Ambiguity.NONE: 0.95, Ambiguity.NAME: 0.95, Ambiguity.WORD: 0.85}
_BRAND_WINDOW = 2


@dataclass(frozen=True, slots=True)
class Hit:
    """A gazetteer hit and the token indexes [first, last] it covers."""

    first: int
    last: int
    entry: Entry
    start: int  # folded-text offsets of the match itself (a possessive "'s" included)
    end: int


def prompt_cues(tokens: list[Token]) -> frozenset[str]:
    """Words and word pairs of the prompt that can serve as cues."""
    words = [t.word for t in tokens]
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(words)}
    return frozenset(words) | frozenset(pairs)


def character_score(hit: Hit, tokens: list[Token], cues: frozenset[str], franchises: set[str]) -> float:
    """NONE is always a character; NAME and WORD get a boost from IP cues in the prompt."""
    cued = bool(cues & CHARACTER_CUES or cues & CHARACTER_CUE_PAIRS)
    cued = cued or hit.entry.franchise in franchises or hit.entry.franchise in cues
    if not cued and hit.entry.ambiguity is Ambiguity.WORD and _is_proper(hit, tokens):
        return CHARACTER_SCORES[Ambiguity.NAME]  # "a photo of Storm", "the Black Panther"
    table = _CUED if cued else CHARACTER_SCORES
    return table[hit.entry.ambiguity]


def _is_proper(hit: Hit, tokens: list[Token]) -> bool:
    """Every word capitalised and not just because a sentence starts there."""
    words = tokens[hit.first : hit.last + 1]
    return all(t.is_capitalized for t in words) and not words[0].is_sentence_start


def brand_score(hit: Hit, tokens: list[Token], unambiguous: list[Hit]) -> float:
    """Unambiguous brands score 0.9; ordinary-word brands need brand context (else 0)."""
    if hit.entry.ambiguity is Ambiguity.NONE:
        return 0.9
    low, high = max(0, hit.first - _BRAND_WINDOW), hit.last + _BRAND_WINDOW + 1
    if any(t.word in BRAND_CUES for t in tokens[low:high]):
        return 0.8
    if any(t.word in PRODUCT_NOUNS for t in tokens[hit.first + 1 : hit.last + 1]):
        return 0.8  # the listed name itself says what it is: "Jaguar car", "Canon camera"
    if any(h.first - 1 <= hit.last and hit.first <= h.last + 1 for h in unambiguous):
        return 0.8  # "Apple iPhone": next to a brand that is only a brand
    after = tokens[hit.last + 1].word if hit.last + 1 < len(tokens) else ""
    if tokens[hit.first].is_capitalized and after in PRODUCT_NOUNS:
        return 0.75
    if hit.last > hit.first and _is_proper(hit, tokens):
        return 0.7  # "Burger King", "Red Bull" written as names mid-sentence
    return 0.0


def artist_score(hit: Hit, tokens: list[Token]) -> float:
    """Higher with a style cue just before or "'s style" after; plain mentions still count."""
    before = {t.word for t in tokens[max(0, hit.first - 3) : hit.first]}
    after = tokens[hit.last + 1].word if hit.last + 1 < len(tokens) else ""
    cued = bool(before & STYLE_CUES) or after in STYLE_CUES
    base = 0.9 if cued else 0.6
    return base if hit.entry.ambiguity is not Ambiguity.WORD or cued else 0.0
