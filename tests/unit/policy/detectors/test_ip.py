"""Unit tests for the ip detector (pure, shipped data only). Accuracy numbers: bench/eval_people_ip.py."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from limner.policy.detectors.ip import IpConfig, IpDetector
from limner.policy.detectors.ip_data import (
    ARTIST_STYLE,
    CHARACTER,
    TRADEMARK,
    Ambiguity,
    ambiguity,
    shipped_artists,
    shipped_brands,
    shipped_characters,
)
from limner.policy.detectors.people_lexicon import load_lexicon

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def detector() -> IpDetector:
    return IpDetector(IpConfig())


def hits(detector: IpDetector, text: str, category: str) -> set[str]:
    return {text[f.start : f.end] for f in detector.detect(text) if f.category == category}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mickey Mouse eating pizza", "Mickey Mouse"),
        ("a photo of Pikachu at the beach", "Pikachu"),
        ("Spider-Man swinging between buildings", "Spider-Man"),
        ("spiderman on a roof", "spiderman"),
        ("Spider Man on a roof", "Spider Man"),
        ("Elsa building a snowman", "Elsa"),
        ("harry potter casting a spell", "harry potter"),
        ("Darth Vader in a supermarket", "Darth Vader"),
        ("Homer Simpson eating a donut", "Homer Simpson"),
        ("batman and robin", "batman"),
        ("Super Mario jumping", "Super Mario"),
        ("Superman flying", "Superman"),
        ("Storm from the X-Men summoning lightning", "Storm"),
        ("a photo of Black Panther", "Black Panther"),
        ("Goofy at a Disney park", "Goofy"),
    ],
)
def test_flags_characters(detector: IpDetector, text: str, name: str) -> None:
    assert name in hits(detector, text, CHARACTER)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("P i k a c h u in a forest", "P i k a c h u"),
        ("Pik\u0430chu in a forest", "Pik\u0430chu"),  # Cyrillic a
        (f"Pika{ZWSP}chu in a forest", f"Pika{ZWSP}chu"),
        ("PIKACHU IN A FOREST", "PIKACHU"),
        (
            "\uff2d\uff49\uff43\uff4b\uff45\uff59 \uff2d\uff4f\uff55\uff53\uff45 waving",
            "\uff2d\uff49\uff43\uff4b\uff45\uff59 \uff2d\uff4f\uff55\uff53\uff45",
        ),
        ("Sp1derman on a roof", "Sp1derman"),
        ("Pik\u00e1ch\u00fc smiling", "Pik\u00e1ch\u00fc"),
    ],
)
def test_finds_characters_through_evasions(detector: IpDetector, text: str, name: str) -> None:
    assert name in hits(detector, text, CHARACTER)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("the Apple logo on a white wall", "Apple"),
        ("Apple iPhone on a desk", "Apple"),
        ("Shell gas station at night", "Shell"),
        ("a Target store", "Target store"),
        ("Dove soap packaging", "Dove soap"),
        ("the Discord logo in neon", "Discord"),
        ("a can of Coca-Cola", "Coca-Cola"),
        ("a McDonald's restaurant", "McDonald's"),
        ("McDonalds fries", "McDonalds"),
        ("Nike shoes", "Nike"),
        ("a Jaguar car in the rain", "Jaguar car"),
        ("a Burger King in town", "Burger King"),
        ("GitHub octocat", "GitHub"),
        ("the ArtStation logo", "ArtStation"),
    ],
)
def test_flags_trademarks_with_brand_context(detector: IpDetector, text: str, name: str) -> None:
    assert name in hits(detector, text, TRADEMARK)


@pytest.mark.parametrize(
    "text",
    [
        "a photo of an apple pie",
        "my card number is 4111 1111 1111 1111",
        "a sea shell on the beach",
        "go outside and play",
        "a target with three arrows",
        "a white dove flying",
        "a discord between friends",
        "an orange cat on a windowsill",
        "a storm over the sea",
        "a black panther in the jungle",
        "a photo of a frisbee",
        "a jaguar resting on a branch",
        "the amazon rainforest",
        "a photo of a bench",
        "a man walking his dog",
        "Apple pie at sunset",
        "a knight, trending on artstation, unreal engine",
        "the rings of saturn",
        "",
    ],
)
def test_does_not_flag_ordinary_words(detector: IpDetector, text: str) -> None:
    assert detector.detect(text) == []


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("a castle in the style of Greg Rutkowski", 0.9),
        ("portrait of a knight, art by greg rutkowski", 0.9),
        ("a forest, Greg Rutkowski, artstation", 0.6),
    ],
)
def test_scores_living_artists_higher_with_a_style_cue(detector: IpDetector, text: str, score: float) -> None:
    [finding] = [f for f in detector.detect(text) if f.category == ARTIST_STYLE]
    assert finding.score == score


def test_extra_entries_from_config() -> None:
    config = IpConfig(
        extra_characters=["Zorgon the Mighty|Zorgon"],
        extra_brands=["Quuxcorp"],
        extra_artists=["Wilhelmina Zyzzyx"],
    )
    detector = IpDetector(config)
    text = "Zorgon drinking Quuxcorp soda in the style of Wilhelmina Zyzzyx"
    assert {f.category for f in detector.detect(text)} == {CHARACTER, TRADEMARK, ARTIST_STYLE}


def test_findings_map_to_original_offsets(detector: IpDetector) -> None:
    text = "Look:  M\u0456ckey   Mouse!"
    [finding] = detector.detect(text)
    assert text[finding.start : finding.end] == "M\u0456ckey   Mouse"
    assert (finding.detector, finding.category) == ("ip", CHARACTER)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("pikachu", Ambiguity.NONE),
        ("coca cola", Ambiguity.NONE),
        ("elsa", Ambiguity.NAME),
        ("apple", Ambiguity.WORD),
        ("go", Ambiguity.WORD),
        ("burger king", Ambiguity.WORD),
    ],
)
def test_classifies_ambiguity(phrase: str, expected: Ambiguity) -> None:
    assert ambiguity(phrase, load_lexicon()) is expected


def test_ships_hundreds_of_entries() -> None:
    assert len(shipped_characters()) >= 300
    assert len(shipped_brands()) >= 3000
    assert len(shipped_artists()) >= 50


def test_config_rejects_a_wrong_kind() -> None:
    adapter = TypeAdapter(IpConfig)
    assert adapter.validate_python({"kind": "ip"}).threshold == 0.5
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "people"})
