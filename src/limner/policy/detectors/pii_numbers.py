"""PII finders for numbers with structure: payment cards, IBANs, national ids, IP addresses, phones."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from limner.policy.detectors._patterns import Hit, near, words_pattern

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])")
_MIN_CARD_DIGITS = 12  # _CARD needs 12 digits or more
_TWO_DIGITS = re.compile(r"\d\d")
_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6(?:011|5|4[4-9]|2)|5[06-9]|6|2131|1800")
_CARD_WORDS = words_pattern(
    ["card", "credit", "debit", "visa", "mastercard", "amex", "cc", "kreditkarte", "carte", "tarjeta"]
)
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)"
    r"(?![A-Za-z0-9])"
)
_IBAN_WORDS = words_pattern(["iban", "account", "bank", "konto", "compte", "cuenta", "conto"])
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_VERSION_WORDS = words_pattern(["version", "v", "release", "build", "firmware"])
_PHONE_WORDS = words_pattern(
    "phone|call|tel|telephone|mobile|cell|fax|whatsapp|text me|sms|telefon|handy|"
    "téléphone|portable|teléfono|móvil|telefono|cellulare"
)
_MIN_PHONE_DIGITS = 7
# Short local numbers that libphonenumber cannot place in a region, accepted right after a label.
_LABELLED_PHONE = re.compile(
    r"(?:phone|mobile|cell|tel|fax|desk|office|call me on|call me at|whatsapp)\b[:.]?\s*"
    r"(\+?\(?\d[\d ().-]{5,18}\d(?:x\d{1,5})?)(?![\d-])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _IdRule:
    category_detail: str
    pattern: re.Pattern[str]
    is_valid: Callable[[str], bool]
    needs_context: bool
    context: re.Pattern[str]


_NATIONAL_IDS: tuple[_IdRule, ...] = (
    _IdRule(
        "us_ssn",
        re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])|(?<!\d)\d{9}(?!\d)"),
        ssn.is_valid,
        False,
        words_pattern(["ssn", "social security", "ss#", "ss no"]),
    ),
    _IdRule(
        "gb_nino",
        re.compile(
            r"(?<![A-Z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z]{2}"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Z0-9])"
        ),
        lambda _: True,
        False,
        words_pattern(["nino", "national insurance", "ni number"]),
    ),
    _IdRule(
        "de_idnr",
        re.compile(r"(?<!\d)\d{2} ?\d{3} ?\d{3} ?\d{3}(?!\d)"),
        idnr.is_valid,
        True,
        words_pattern(["steuer-id", "steueridentifikationsnummer", "idnr", "steuer id", "tax id"]),
    ),
    _IdRule(
        "fr_nir",
        re.compile(r"(?<!\d)[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?!\d)"),
        nir.is_valid,
        False,
        words_pattern(["nir", "sécurité sociale", "securite sociale", "insee", "numéro de sécu"]),
    ),
    _IdRule(
        "es_dni",
        re.compile(r"(?<![A-Za-z0-9])(?:\d{8}-?[A-Z]|[XYZ]-?\d{7}-?[A-Z])(?![A-Za-z0-9])"),
        lambda value: dni.is_valid(value) or nie.is_valid(value),
        False,
        words_pattern(["dni", "nie", "nif", "documento"]),
    ),
    _IdRule(
        "it_codice_fiscale",
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])"),
        codicefiscale.is_valid,
        False,
        words_pattern(["codice fiscale", "cf"]),
    ),
    _IdRule(
        "nl_bsn",
        re.compile(r"(?<!\d)\d{4}\.?\d{2}\.?\d{3}(?!\d)"),
        bsn.is_valid,
        True,
        words_pattern(["bsn", "burgerservicenummer", "sofinummer"]),
    ),
    _IdRule(
        "in_aadhaar",
        re.compile(r"(?<!\d)[2-9]\d{3} ?\d{4} ?\d{4}(?!\d)"),
        aadhaar.is_valid,
        True,
        words_pattern(["aadhaar", "aadhar", "uidai", "uid"]),
    ),
    _IdRule(
        "in_pan",
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![A-Za-z0-9])"),
        pan.is_valid,
        False,
        words_pattern(["pan", "permanent account number", "income tax"]),
    ),
)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def find_cards(text: str) -> Iterator[Hit]:
    if sum(map(str.isdigit, text)) < _MIN_CARD_DIGITS:
        return
    for match in _CARD.finditer(text):
        digits = _digits(match.group())
        if len(set(digits)) < 2 or not _CARD_PREFIX.match(digits):
            continue
        in_context = near(_CARD_WORDS, text, match.start(), match.end(), 60)
        if luhn.is_valid(digits):
            yield Hit("pii.payment_card", match.start(), match.end(), 0.95 if in_context else 0.85)
        elif in_context:
            # Generated and mistyped numbers fail Luhn; next to "card" it is still a card number.
            yield Hit("pii.payment_card", match.start(), match.end(), 0.6)


def find_ibans(text: str) -> Iterator[Hit]:
    if not _TWO_DIGITS.search(text):
        return
    for match in _IBAN.finditer(text):
        value = match.group().upper().replace(" ", "")
        if iban.is_valid(value):
            yield Hit("pii.iban", match.start(), match.end(), 0.95)
        elif len(set(_digits(value))) >= 3 and near(_IBAN_WORDS, text, match.start(), match.end()):
            yield Hit("pii.iban", match.start(), match.end(), 0.6)


def find_national_ids(text: str) -> Iterator[Hit]:
    if not _TWO_DIGITS.search(text):  # every id pattern holds two adjacent digits
        return
    for rule in _NATIONAL_IDS:
        for match in rule.pattern.finditer(text):
            value = match.group().replace(" ", "")
            in_context = near(rule.context, text, match.start(), match.end(), 50)
            if not rule.is_valid(value) or (rule.needs_context and not in_context):
                continue
            bare_ssn = rule.category_detail == "us_ssn" and value.isdigit()
            if bare_ssn and not in_context:
                continue
            yield Hit("pii.national_id", match.start(), match.end(), 0.9 if in_context else 0.7)


def _ip_score(value: str) -> float | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified or address.is_multicast:
        return 0.4
    return 0.85


def find_ip_addresses(text: str) -> Iterator[Hit]:
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            score = _ip_score(match.group())
            if score is None or (pattern is _IPV6 and match.group().count(":") < 2):
                continue
            if pattern is _IPV4 and near(_VERSION_WORDS, text, match.start(), match.start(), 12):
                continue
            yield Hit("pii.ip_address", match.start(), match.end(), score)


def make_phone_finder(regions: tuple[str, ...], leniency: int) -> Callable[[str], Iterator[Hit]]:
    """A phone finder trying each default region in turn ("+" numbers work in any of them)."""

    def find_phones(text: str) -> Iterator[Hit]:
        if sum(map(str.isdigit, text)) < _MIN_PHONE_DIGITS:
            return
        seen: set[tuple[int, int]] = set()
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
                span = (match.start, match.end)
                if span in seen or len(_digits(match.raw_string)) < _MIN_PHONE_DIGITS:
                    continue
                seen.add(span)
                strong = match.raw_string.startswith("+") or near(_PHONE_WORDS, text, *span, 40)
                yield Hit("pii.phone", match.start, match.end, 0.85 if strong else 0.65)
        for labelled in _LABELLED_PHONE.finditer(text):
            if len(_digits(labelled.group(1))) >= _MIN_PHONE_DIGITS:
                yield Hit("pii.phone", labelled.start(1), labelled.end(1), 0.75)

    return find_phones
