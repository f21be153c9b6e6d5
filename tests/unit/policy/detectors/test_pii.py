"""Unit tests for the PII detector (pure, no I/O). Corpus-level numbers: bench/eval_dlp.py."""

from __future__ import annotations

import pytest

from limner.errors import ConfigError
from limner.policy.detectors.pii import PiiConfig, PiiDetector

ZWJ = "\u200d"


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(PiiConfig())


def _found(detector: PiiDetector, text: str) -> set[tuple[str, str]]:
    return {(f.category, text[f.start : f.end]) for f in detector.detect(text)}


@pytest.mark.parametrize(
    ("text", "category", "value"),
    [
        ("mail me at jane.doe@example.org today", "pii.email", "jane.doe@example.org"),
        ("call +1 415-555-2671 tonight", "pii.phone", "+1 415-555-2671"),
        ("Phone: 030 1234567", "pii.phone", "030 1234567"),
        ("my card is 4111 1111 1111 1111", "pii.payment_card", "4111 1111 1111 1111"),
        ("card 378282246310005 expired", "pii.payment_card", "378282246310005"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "pii.iban", "GB82 WEST 1234 5698 7654 32"),
        ("DE89370400440532013000 is the account", "pii.iban", "DE89370400440532013000"),
        ("my SSN is 536-90-4399", "pii.national_id", "536-90-4399"),
        ("codice fiscale RSSMRA85T10A562S", "pii.national_id", "RSSMRA85T10A562S"),
        ("DNI 12345678Z", "pii.national_id", "12345678Z"),
        ("NINO AB 12 34 56 C", "pii.national_id", "AB 12 34 56 C"),
        ("my BSN is 111222333", "pii.national_id", "111222333"),
        ("PAN card ABCPE1234F", "pii.national_id", "ABCPE1234F"),
        ("server at 203.0.113.7 is down", "pii.ip_address", "203.0.113.7"),
        ("v6 host 2001:db8::8a2e:370:7334 here", "pii.ip_address", "2001:db8::8a2e:370:7334"),
        ("she lives at 42 Baker Street, London", "pii.street_address", "42 Baker Street, London"),
        ("Adresse: Hauptstraße 5, Berlin", "pii.street_address", "Hauptstraße 5, Berlin"),
        ("au 12 rue de la Paix", "pii.street_address", "12 rue de la Paix"),
        ("en Calle Mayor 10", "pii.street_address", "Calle Mayor 10"),
        ("I was born on 14 March 1990", "pii.date_of_birth", "14 March 1990"),
        ("DOB: 1990-03-14", "pii.date_of_birth", "1990-03-14"),
        ("geboren am 14.03.1990", "pii.date_of_birth", "14.03.1990"),
        ("my colleague Ingrid Halvorsen drew it", "pii.person", "Ingrid Halvorsen"),
        ("a portrait of Mr. Okonkwo smiling", "pii.person", "Okonkwo"),
        ("My name is Zofia", "pii.person", "Zofia"),
    ],
)
def test_finds_personal_data(detector: PiiDetector, text: str, category: str, value: str) -> None:
    assert (category, value) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "a photo of a red car and a brown dog",
        "A black and green tile bathroom with a yellow toilet.",
        "1024x1024 render, 4k, version 1.2.3.4 of the model",
        "three cats on a sofa in 2019",
        "The diamond ring sparkled on the table",
        "a painting of New York at night",
        "my birthday cake with 30 candles",
        "order 4111 1111 1111 1112 has shipped",
        "an IBAN like GB00 XXXX 0000 0000 0000 00",
        "oil painting by Greg Rutkowski, Ilya Kuvshinov and Alphonse Mucha",
        "in the style of Zdzislaw Beksinski",
        "Muslim man at the airport",
    ],
)
def test_ignores_benign_prompts(detector: PiiDetector, text: str) -> None:
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (f"mail j{ZWJ}a{ZWJ}n{ZWJ}e@example.org", "pii.email"),
        ("j o h n @ e x a m p l e . c o m", "pii.email"),
        ("card 4\u200b111 1111 1111 1111", "pii.payment_card"),
        ("my colleague \u0406ngrid Halvorsen", "pii.person"),  # Cyrillic capital I
        ("my colleague I n g r i d  H a l v o r s e n", "pii.person"),
        ("card 4 1 1 1  1 1 1 1  1 1 1 1  1 1 1 1", "pii.payment_card"),
        ("IP 2 0 3 . 0 . 1 1 3 . 7", "pii.ip_address"),
    ],
)
def test_finds_personal_data_through_evasions(detector: PiiDetector, text: str, category: str) -> None:
    assert category in {f.category for f in detector.detect(text)}


def test_offsets_point_into_original_text(detector: PiiDetector) -> None:
    text = f"write to j{ZWJ}o{ZWJ}e@example.org"
    (finding,) = [f for f in detector.detect(text) if f.category == "pii.email"]
    assert text[finding.start : finding.end] == f"j{ZWJ}o{ZWJ}e@example.org"
    assert finding.detector == "pii"
    assert 0.0 <= finding.score <= 1.0


def test_card_is_not_also_reported_as_phone(detector: PiiDetector) -> None:
    categories = [f.category for f in detector.detect("card 4111111111111111")]
    assert categories == ["pii.payment_card"]


def test_entities_option_limits_categories() -> None:
    detector = PiiDetector(PiiConfig(entities=["email"]))
    found = detector.detect("Ingrid Halvorsen, ingrid@example.org, +1 415-555-2671")
    assert {f.category for f in found} == {"pii.email"}


def test_min_score_drops_weak_findings() -> None:
    detector = PiiDetector(PiiConfig(min_score=0.99))
    assert detector.detect("call 030 1234567 or mail a@example.org") == []


def test_unknown_phone_region_is_refused() -> None:
    with pytest.raises(ConfigError):
        PiiDetector(PiiConfig(phone_regions=["XX"]))


@pytest.mark.parametrize(("leniency", "expected"), [("valid", True), ("exact_grouping", False)])
def test_phone_leniency_is_configurable(leniency: str, expected: bool) -> None:
    detector = PiiDetector(PiiConfig(phone_leniency=leniency, entities=["phone"]))
    assert bool(detector.detect("ring 415 55 52 671 now")) is expected


ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))
DEVANAGARI = str.maketrans("0123456789", "".join(chr(0x0966 + d) for d in range(10)))
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("my card is 4111\x001111\x001111\x001111", "pii.payment_card"),
        ("my card is 4111\x1b1111\x071111\x7f1111", "pii.payment_card"),
        ("my card is 4111\x85 1111 1111\x9f 1111", "pii.payment_card"),
        ("my card is " + "4111 1111 1111 1111".translate(ARABIC_INDIC), "pii.payment_card"),
        ("my card is " + "4111 1111 1111 1111".translate(DEVANAGARI), "pii.payment_card"),
        ("my card is " + "4111111111111111".translate(FULL_WIDTH), "pii.payment_card"),
        ("call " + "+1 415-555-2671".translate(ARABIC_INDIC) + " tonight", "pii.phone"),
        ("call " + "+1 415-555-2671".translate(DEVANAGARI) + " tonight", "pii.phone"),
    ],
)
def test_control_characters_and_unicode_digits_do_not_hide_numbers(
    detector: PiiDetector, text: str, category: str
) -> None:
    found = detector.detect(text)
    assert category in {f.category for f in found}
    hit = next(f for f in found if f.category == category)
    # The span points into the original text: it covers the digits as the user typed them.
    assert text[hit.start].isdigit() or text[hit.start] == "+"
