"""Word lists the person-name heuristics read: first names, surnames, English words, cues."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from limner.policy.detectors.people_text import data_lines

# fmt: off
# Words that never start or end a name, whatever the name lists say ("an", "will", "may").
STOPWORDS = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "from", "by",
        "for", "with", "without", "into", "onto", "over", "under", "above", "below", "near", "next",
        "behind", "beside", "between", "through", "during", "after", "before", "while", "as", "than",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "has", "have",
        "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
        "not", "no", "yes", "this", "that", "these", "those", "it", "its", "it's", "he", "she",
        "they", "them", "his", "her", "their", "our", "your", "my", "me", "we", "us", "you", "i",
        "who", "whom", "whose", "which", "what", "when", "where", "why", "how", "all", "any", "some",
        "each", "every", "both", "either", "neither", "one", "two", "three", "four", "five", "six",
        "seven", "eight", "nine", "ten", "very", "so", "too", "also", "just", "only", "even", "still",
        "then", "there", "here", "up", "down", "out", "off", "again", "once", "more", "most", "other",
        "another", "such", "own", "same", "new", "old", "big", "small", "little", "young", "style",
        "photo", "picture", "image",
    ]
)

# Census first names that are also English words, yet in a prompt are nearly always a name.
NAMES_DESPITE_WORDS = frozenset(
    [
        "john", "peter", "billy", "bobby", "jimmy", "harry", "martin", "maria", "brad", "chad",
        "colleen", "derrick", "hector", "tony", "troy", "victor", "mike", "terry", "tom", "ken",
        "don", "rick", "roger", "sally", "patsy", "lee", "dean", "jay", "bob", "gene", "earl",
        "warren", "wade", "lance", "greg", "doug", "larry", "jerry", "barry", "gary", "kenny",
        "danny", "joe", "sam", "ben", "dan", "tim", "mark", "jack", "bill", "frank", "ray", "rob",
        "josh", "carol", "nick", "pat", "ted", "sue", "kay", "ed",
    ]
)

# Words before a name that make it a person ("President X", "Dr X").
TITLES = frozenset(
    [
        "mr", "mrs", "ms", "dr", "doctor", "president", "senator", "sen", "rep", "representative",
        "congressman", "congresswoman", "governor", "gov", "mayor", "chancellor", "minister",
        "premier", "king", "queen", "prince", "princess", "pope", "sheikh", "sir", "dame", "lord",
        "judge", "justice", "general", "gen", "colonel", "col", "professor", "prof", "ceo",
        "ambassador", "secretary", "speaker", "chairman", "chairwoman", "emperor", "empress",
        "sultan", "ayatollah", "rabbi", "reverend", "rev", "saint", "st", "officer", "sergeant",
        "sgt", "detective", "lieutenant", "lt", "commissioner",
    ]
)

# Nouns of depiction: "photo of X", "portrait of X".
DEPICTION_NOUNS = frozenset(
    [
        "photo", "photograph", "photography", "picture", "pic", "portrait", "image", "selfie",
        "painting", "drawing", "sketch", "caricature", "headshot", "deepfake", "video", "footage",
        "meme", "statue", "poster", "mugshot", "cartoon", "illustration", "render", "rendering",
        "close-up", "closeup", "snapshot",
    ]
)

# Verbs after a name that describe a person doing something in a news-like caption.
ACTION_WORDS = frozenset(
    [
        "giving", "shaking", "arrested", "speaking", "meeting", "wearing", "smiling", "holding",
        "signing", "visiting", "kissing", "hugging", "laughing", "crying", "dancing", "singing",
        "walking", "standing", "sitting", "posing", "eating", "drinking", "riding", "playing",
        "waving", "addressing", "announcing", "testifying", "campaigning", "protesting", "shouting",
        "crying", "running", "driving", "sleeping", "fighting", "punching", "attacking", "arriving",
        "leaving", "entering", "greeting", "praying", "voting", "debating", "handcuffed", "jailed",
        "indicted", "injured", "dead", "dying", "wounded", "naked", "nude", "drunk", "says", "said",
        "told", "announced",
    ]
)

# "by X", "style of X": X is the author of the style, not a person in the picture.
AUTHOR_CUES = frozenset(["by", "artist", "artists", "style", "styles"])

# fmt: on


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Lower-case word sets, read once per process."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    words: frozenset[str]
    proper_nouns: frozenset[str]  # "england", "victorian", "saturn": known, but not words

    def is_ambiguous_first_name(self, word: str) -> bool:
        return word in self.words and word not in NAMES_DESPITE_WORDS

    def is_unfamiliar(self, word: str) -> bool:
        """Neither a word nor a known place or thing; names themselves stay unfamiliar."""
        if word in self.words:
            return False
        is_name = word in self.first_names or word in self.surnames
        return is_name or word not in self.proper_nouns


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    return Lexicon(
        first_names=frozenset(data_lines("people", "first_names.txt")) | _shared_first_names(),
        surnames=frozenset(data_lines("people", "surnames.txt")),
        words=frozenset(data_lines("people", "english_words.txt")),
        proper_nouns=frozenset(data_lines("people", "proper_nouns.txt")),
    )


def _shared_first_names() -> frozenset[str]:
    """Reuse the first-name list another detector ships at data/first_names.txt, if present."""
    path = files("limner.policy").joinpath("data", "first_names.txt")
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = (line.replace(",", " ").split() for line in lines if not line.startswith("#"))
    return frozenset(f[0].casefold() for f in fields if f and len(f[0]) >= 3 and f[0].isalpha())
