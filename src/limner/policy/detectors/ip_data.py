"""Gazetteers of the ip detector (characters, brands, living artists) and how ambiguous each name is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum

from limner.policy.detectors.people_lexicon import Lexicon
from limner.policy.detectors.people_text import data_lines, fold

CHARACTER = "ip.character"
TRADEMARK = "ip.trademark"
ARTIST_STYLE = "ip.artist_style"
_BRAND_FILES = ("simple_icons_brands.txt", "consumer_brands.txt")
_SHORT = 3

# Platform and tool names that prompts use as quality keywords ("trending on artstation",
# "unreal engine"), and myth or sky names that brands borrow: a brand only with brand context.
# fmt: off
_BRAND_WORDS = frozenset([
    "artstation", "deviantart", "behance", "pixiv", "cgsociety", "unreal engine", "unity",
    "blender", "octane", "cinema 4d", "houdini", "zbrush", "redshift", "maya", "keyshot",
    "sketchfab", "flickr", "unsplash", "saturn", "neptune", "vega", "vegas", "iceland", "medusa",
    "odin", "prometheus", "proteus", "sphinx", "pantheon", "diaspora", "babel", "delphi",
    "aurelia", "iberia", "norwegian", "lazarus", "jovian", "argo", "argos", "apache", "gutenberg",
    "atlas", "apollo", "orion", "phoenix", "zeus", "athena", "titan", "olympus", "polaris",
])
# fmt: on


class Ambiguity(IntEnum):
    """How much a name, on its own, could mean something other than the IP."""

    NONE = 0  # "Pikachu", "Coca-Cola": always the IP
    NAME = 1  # "Elsa", "Mercedes": also a person's first name or surname
    WORD = 2  # "Apple", "Storm", "Go": ordinary words; need context


@dataclass(frozen=True, slots=True)
class Character:
    """A fictional character, its franchise and other names it goes by."""

    name: str
    franchise: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """What a matched phrase means."""

    category: str
    ambiguity: Ambiguity
    franchise: str = ""


def shipped_characters() -> list[Character]:
    characters = []
    franchise = ""
    for line in data_lines("ip", "characters.txt"):
        if line.startswith("@"):
            franchise = line[1:].strip()
            continue
        name, *aliases = (part.strip() for part in line.split("|"))
        characters.append(Character(name, franchise, tuple(aliases)))
    return characters


def shipped_brands() -> list[str]:
    """Brand lines ("Name|alias|alias"): Simple Icons plus hand-added consumer brands."""
    return [line for name in _BRAND_FILES for line in data_lines("ip", name)]


def shipped_artists() -> list[str]:
    """Living artists whose style is commonly imitated ("Name|alias")."""
    return list(data_lines("ip", "artists.txt"))


def ambiguity(phrase: str, lexicon: Lexicon) -> Ambiguity:
    """Classify a folded phrase: ordinary words first, then personal names."""
    words = phrase.split()
    letters = phrase.replace(" ", "")
    # Digits-only names ("1.1.1.1") collide with numbers in ordinary text: they need brand context.
    no_letters = not any(ch.isalpha() for ch in letters)
    if no_letters or len(letters) <= _SHORT or all(w in lexicon.words or len(w) <= 1 for w in words):
        return Ambiguity.WORD
    if len(words) == 1 and (words[0] in lexicon.first_names or words[0] in lexicon.surnames):
        return Ambiguity.NAME
    return Ambiguity.NONE


def _forms(name: str) -> set[str]:
    """The folded name plus spellings without separators ("spiderman") or apostrophes."""
    folded = fold(name)
    forms = {folded}
    if " " in folded:
        forms.add(folded.replace(" ", ""))
    if "'" in folded:
        forms.add(folded.replace("'", ""))
        forms.add(folded.replace("'s", ""))
    return {f for f in forms if sum(c.isalnum() for c in f) >= 2}


def character_phrases(characters: Iterable[Character], lexicon: Lexicon) -> Iterator[tuple[str, Entry]]:
    for character in characters:
        franchise = fold(character.franchise)
        for name in (character.name, *character.aliases):
            for form in _forms(name.lstrip("~!")):
                yield form, Entry(CHARACTER, _character_ambiguity(name, form, lexicon), franchise)


def _character_ambiguity(name: str, form: str, lexicon: Lexicon) -> Ambiguity:
    """Many-word character names are the character ("Mickey Mouse") unless marked with ~."""
    if name.startswith("~"):
        return Ambiguity.WORD
    if name.startswith("!"):
        return Ambiguity.NONE
    return ambiguity(form, lexicon) if " " not in form else Ambiguity.NONE


def named_phrases(lines: Iterable[str], category: str, lexicon: Lexicon) -> Iterator[tuple[str, Entry]]:
    """Phrases for "Name|alias" lines (brands, artists)."""
    for line in lines:
        for name in (part.strip() for part in line.split("|")):
            for form in _forms(name.lstrip("~")):
                is_word = name.startswith("~") or form in _BRAND_WORDS
                kind = Ambiguity.WORD if is_word else ambiguity(form, lexicon)
                yield form, Entry(category, kind)
