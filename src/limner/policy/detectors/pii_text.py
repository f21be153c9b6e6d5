"""PII finders for written-out data: e-mail addresses, birth dates, street addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from limner.policy.detectors._patterns import Hit, near, words_pattern

# Spaces around "@" and "." are allowed because the de-obfuscated view of "j o h n @ x . c o m" keeps them.
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64} ?(?:@|\[at\]|\(at\)) ?[A-Za-z0-9-]{1,63}"
    r"(?: ?(?:\.|\[dot\]|\(dot\)) ?[A-Za-z0-9-]{1,63})*"
    r" ?(?:\.|\[dot\]|\(dot\)) ?[A-Za-z]{2,12}(?![\w-])"
)

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    "|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember"
    "|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
    "|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    "|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_BIRTH_WORD_LIST = (
    "born|birth|birthday|birthdate|date of birth|dob|d.o.b|d.o.b.|geboren|geb.|"
    "geburtsdatum|geburtstag|né|née|naissance|nacido|nacida|nacimiento|nato|nata|"
    "nascita|nascido|nascida|nascimento|cumpleaños|anniversaire"
)
_BIRTH_WORDS = words_pattern(_BIRTH_WORD_LIST)
# The birth words as bare substrings: near() searches a window, where a word's edges may fall.
_BIRTH_WORDS_ANYWHERE = re.compile("|".join(map(re.escape, _BIRTH_WORD_LIST.split("|"))), re.IGNORECASE)
_TWO_DIGITS = re.compile(r"\d\d")
_DIGIT = re.compile(r"\d")

_EN_SUFFIX = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq"
    r"|Terrace|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Crescent|Close|Row|Trail|Alley|Bridge"
    r"|Gardens|Grove|Hill|Mews|Plaza|Point|Ridge|Walk|Park|Pass|Cliffs?|Prairie|Creek|Harbor"
    r"|Heights|Junction|Loop|Meadows?|Mill|Port|Run|Spring|Station|Summit|Valley|View|Village|Ville"
)
_NORTH_SUFFIX = (
    r"straße|strasse|str\.|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt"
    r"|gracht|laan|straat|plein|kade|vej|gade|gatan|gata|veien|vegen|vegur|katu|tie|kuja|polku|út|utca"
)
_ROMANCE_PREFIX = (
    r"rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|cours|route|calle|c/|avenida"
    r"|avda\.?|paseo|plaza|carrer|camino|ronda|via|viale|piazza|corso|largo|vicolo|rua|travessa"
    r"|praça|estrada|alameda|trg|ulica"
)
_NAME = r"[A-ZÀ-Þ][\w'\u2019.-]*"
_PARTICLE = r"(?:(?:de|du|des|del|de la|d'|do|da|dos|das|di|della|dei)\s?)?"
_STREET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?<!\w)\d{{1,5}}[A-Za-z]?\s+(?:{_NAME}\s+){{1,4}}(?:{_EN_SUFFIX})\.?(?!\w)"),
    re.compile(rf"(?<!\w)[\wÀ-ÿ'-]*(?:{_NORTH_SUFFIX})\.?\s+\d{{1,4}}[a-z]?\.?(?!\w)", re.IGNORECASE),
    re.compile(
        rf"(?<!\w)(?:{_ROMANCE_PREFIX})\s+{_PARTICLE}[\wÀ-ÿ'-]+"
        r"(?:\s+[\wÀ-ÿ'-]+){0,3}?,?\s*(?:n[º°o.]\s*)?\d{1,4}(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?<!\w)\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:{_ROMANCE_PREFIX})\s+{_PARTICLE}[\wÀ-ÿ'-]+"
        r"(?:\s+[A-ZÀ-Þ][\wÀ-ÿ'-]+){0,2}",
        re.IGNORECASE,
    ),
    # Faker's continental formats: "692 Kuuse 53", "0645 Reyes Católicos 17".
    re.compile(rf"(?<![\w.,])\d{{1,5}}\s+(?:{_NAME}\s+){{1,3}}\d{{1,4}}[a-z]?\.?(?=[\s,]|$)"),
    re.compile(r"(?<!\w)(?:PSC|Unit|CMR) \d{3,5},? Box \d{3,5}(?:\s+[AF]PO A[AEP] \d{5})?"),
    re.compile(r"(?<!\w)(?:USNS|USNV|USS|USCGC) [\w'-]+(?:\s+FPO A[AEP] \d{5})?"),
    re.compile(r"(?<!\w)(?:Postbox|P\.?O\.? Box|Postfach|Apartado|Casella postale) \d{1,6}", re.I),
)
# Per street pattern, a cheaper regex every match of it contains (None: always run the pattern).
_CAPITAL_AFTER_NUMBER = re.compile(r"\d[A-Za-z]?\s+[A-ZÀ-Þ]")
_NORTH_HINT = re.compile(rf"(?:{_NORTH_SUFFIX})\.?\s+\d", re.IGNORECASE)
_ROMANCE_HINT = re.compile(rf"(?:{_ROMANCE_PREFIX})\s", re.IGNORECASE)
_STREET_HINTS = (
    _CAPITAL_AFTER_NUMBER,
    _NORTH_HINT,
    _ROMANCE_HINT,
    _ROMANCE_HINT,
    _CAPITAL_AFTER_NUMBER,
    None,
    None,
    None,
)
_UNIT = re.compile(
    r"(?<!\w)(?:Apt|Apartment|Suite|Ste|Unit|Flat|Wohnung|Bureau|Piso)\.?\s*#?\d{1,5}\w?", re.I
)
# What may follow a street line: units, city names, state codes, postcodes, countries.
_TAIL_PART = re.compile(
    r"(?:[ \t]*[,>\n][ \t>]*|[ \t]+)"
    r"(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?\s*#?\d{1,5}\w?"
    r"|\d{3,5}(?:[- ]\d{2,4})?|[A-Z]{2}\s+\d{4,5}"
    r"|[A-ZÀ-Þ][\wÀ-ÿ'\u2019-]+(?: [A-ZÀ-Þa-zà-ÿ][\wÀ-ÿ'\u2019-]+){0,3})"
)
_ADDRESS_WORDS = re.compile(
    r"(?:address(?:es)?(?: is| was)?:?|lives? at|living at|located at|moved to|send (?:it )?to"
    r"|wohnt in|adresse|dirección|indirizzo|endereço)[\s:]+",
    re.IGNORECASE,
)
_MAX_TAIL_PARTS = 6
# The street part after "address:" starts at its first number, skipping a name line before it.
_FIRST_DIGIT = re.compile(r"[^\d\n]{0,40}\n?[ \t]*(?=\d)")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)|\n\n|$")


def find_emails(text: str) -> Iterator[Hit]:
    for match in _EMAIL.finditer(text):
        value = match.group()
        score = 0.95 if "@" in value and " " not in value else 0.8
        yield Hit("pii.email", match.start(), match.end(), score)


def find_birth_dates(text: str) -> Iterator[Hit]:
    # Every date holds two adjacent digits, and a birth word must occur somewhere in the text.
    if not _TWO_DIGITS.search(text) or not _BIRTH_WORDS_ANYWHERE.search(text):
        return
    for match in _DATE.finditer(text):
        if near(_BIRTH_WORDS, text, match.start(), match.end(), 40):
            yield Hit("pii.date_of_birth", match.start(), match.end(), 0.85)


def _extend_tail(text: str, end: int) -> int:
    """Absorb up to a few unit/city/postcode parts after a street line."""
    for _ in range(_MAX_TAIL_PARTS):
        part = _TAIL_PART.match(text, end)
        if part is None or "\n\n" in part.group():
            break
        end = part.end()
    return end


def _extend_head(text: str, start: int) -> int:
    """Absorb a building number written before the street number ("580 60 Balsham Road")."""
    head = re.search(r"(?<!\w)\d{1,5}\s+$", text[max(0, start - 8) : start])
    return start - len(head.group()) if head else start


def find_street_addresses(text: str) -> Iterator[Hit]:
    if not _DIGIT.search(text):  # only the ship pattern can match without a digit
        yield from _ship_addresses(text)
        return
    for pattern, hint in zip(_STREET_PATTERNS, _STREET_HINTS, strict=True):
        if hint is not None and not hint.search(text):
            continue
        for match in pattern.finditer(text):
            start, end = _extend_head(text, match.start()), _extend_tail(text, match.end())
            in_context = near(_ADDRESS_WORDS, text, start, start, 30)
            generic = pattern is _STREET_PATTERNS[4]
            yield Hit("pii.street_address", start, end, 0.85 if in_context or not generic else 0.6)
    for match in _UNIT.finditer(text):
        yield Hit("pii.street_address", match.start(), _extend_tail(text, match.end()), 0.6)
    for match in _ADDRESS_WORDS.finditer(text):
        digit = _FIRST_DIGIT.match(text, match.end())
        if digit is not None:
            line_end = _SENTENCE_END.search(text, digit.end())
            end = line_end.start() if line_end else len(text)
            yield Hit("pii.street_address", digit.end(), min(end, digit.end() + 140), 0.75)


def _ship_addresses(text: str) -> Iterator[Hit]:
    """find_street_addresses() on a text without digits: only a ship name ("USS Enterprise")."""
    for match in _STREET_PATTERNS[6].finditer(text):
        start, end = _extend_head(text, match.start()), _extend_tail(text, match.end())
        yield Hit("pii.street_address", start, end, 0.85)
