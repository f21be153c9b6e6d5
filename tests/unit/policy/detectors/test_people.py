"""Unit tests for the people detector (pure, shipped data only). Accuracy numbers: bench/eval_people_ip.py."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from limner.policy.detectors.people import NAMED, PUBLIC_FIGURE, PeopleConfig, PeopleDetector
from limner.policy.detectors.people_text import Prepared
from limner.policy.normalize import normalize

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def detector() -> PeopleDetector:
    return PeopleDetector(PeopleConfig())


def categories(detector: PeopleDetector, text: str) -> set[tuple[str, str]]:
    return {(f.category, text[f.start : f.end]) for f in detector.detect(text)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Barack Obama arrested by police", "Barack Obama"),
        ("photo of Obama shaking hands with a farmer", "Obama"),
        ("Putin riding a horse", "Putin"),
        ("Trump giving a speech", "Trump"),
        ("portrait of Taylor Swift", "Taylor Swift"),
        ("Bernie Sanders eating a hamburger", "Bernie Sanders"),
        ("Maria Cantwell waving to the crowd", "Maria Cantwell"),
        ("J.D. Vance on a yacht", "J.D. Vance"),
        ("JD Vance on a yacht", "JD Vance"),
        ("Joe Biden's mugshot", "Joe Biden"),
        ("French Hill speaking at a rally", "French Hill"),
        ("Volodymyr Zelenskyy in a bunker", "Volodymyr Zelenskyy"),
        ("Emmanuel Macron at the Élysée", "Emmanuel Macron"),
        ("Beyonce on stage", "Beyonce"),
        ("Will Smith eating spaghetti", "Will Smith"),
        ("George Herbert Walker Bush at a desk", "George Herbert Walker Bush"),
        ("George Bush at a desk", "George Bush"),
    ],
)
def test_flags_public_figures_from_the_gazetteer(detector: PeopleDetector, text: str, name: str) -> None:
    assert (PUBLIC_FIGURE, name) in categories(detector, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("barack obama arrested by police", "barack obama"),  # lower case
        ("B\u0430r\u0430ck Ob\u0430m\u0430 in handcuffs", "B\u0430r\u0430ck Ob\u0430m\u0430"),
        (f"Ob{ZWSP}ama crying", f"Ob{ZWSP}ama"),  # zero-width space inside
        ("O b a m a waving", "O b a m a"),  # spaced-out letters
        ("\uff2f\uff42\uff41\uff4d\uff41 speaking", "\uff2f\uff42\uff41\uff4d\uff41"),  # fullwidth
        ("0bama in jail", "0bama"),  # leetspeak
        ("P\u00fatin dancing", "P\u00fatin"),  # accent added
    ],
)
def test_finds_public_figures_through_evasions(detector: PeopleDetector, text: str, name: str) -> None:
    assert (PUBLIC_FIGURE, name) in categories(detector, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("photo of John Zyzzyx shaking hands with a farmer", "John Zyzzyx"),
        ("john zyzzyx giving a speech", "john zyzzyx"),
        ("Senator Quimby at a rally", "Senator Quimby"),
        ("Dr. Smith in a lab coat", "Dr. Smith"),
        ("portrait of Zorblax Quentin", "Zorblax Quentin"),
        ("Mary Brown smiling", "Mary Brown"),
        ("Michael J. Foxworthy arrested by police", "Michael J. Foxworthy"),
        ("Ngozi Okonjo-Iweala giving a speech", "Ngozi Okonjo-Iweala"),
        ("photo of kristalina georgieva smiling", "kristalina georgieva"),
        ("art by Zorblax Quentin, portrait of John Zyzzyx", "John Zyzzyx"),
    ],
)
def test_flags_unlisted_personal_names(detector: PeopleDetector, text: str, name: str) -> None:
    assert (NAMED, name) in categories(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "a politician arrested by police",
        "a photo of a bench",
        "a man walking his dog",
        "a senator giving a speech",
        "the senator's mugshot",
        "the president of france waving",
        "a trump card on the table",
        "a rose garden in bloom",
        "Rose petals on a table",
        "a photo of a teddy bear",
        "a king on a throne",
        "queen bee on a flower",
        "will you marry me sign",
        "french hill village at dusk",
        "a mark on the wall",
        "bill of sale on a desk",
        "a castle in the style of Greg Rutkowski",
        "a landscape by Simon Zyzzyx",
        "a black and white photo of a cat",
        "portrait of Mickey Mouse",
        "Peter Pan flying over London",
        "a photo of Coca Cola Zero",
        "art by Zorblax Quentin, Quimby Zyzzyx and Vorlan Mesk",
        "a temple in Victorian England",
        "Jean, Edward and a cat",
        "",
    ],
)
def test_does_not_flag_text_without_a_real_person(detector: PeopleDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_offsets_point_into_the_original_text(detector: PeopleDetector) -> None:
    text = "  A  photo of  B\u0430rack   Obama!"
    [finding] = detector.detect(text)
    assert text[finding.start : finding.end] == "B\u0430rack   Obama"
    assert finding.detector == "people"
    assert 0.0 < finding.score <= 1.0


def test_extra_names_are_public_figures() -> None:
    detector = PeopleDetector(PeopleConfig(extra_names=["Quintus Zebedee"]))
    assert categories(detector, "quintus zebedee at a party") == {(PUBLIC_FIGURE, "quintus zebedee")}


def test_figures_replace_the_shipped_gazetteer() -> None:
    detector = PeopleDetector(PeopleConfig(), figures=["Quintus Zebedee|Zebedee"])
    assert categories(detector, "Zebedee arrested") == {(PUBLIC_FIGURE, "Zebedee")}
    assert (PUBLIC_FIGURE, "Obama") not in categories(detector, "Obama arrested")


def test_a_higher_threshold_drops_weak_names() -> None:
    strict = PeopleDetector(PeopleConfig(threshold=0.95))
    assert strict.detect("john zyzzyx at home") == []
    assert categories(strict, "Obama at home") == {(PUBLIC_FIGURE, "Obama")}


def test_config_rejects_a_wrong_kind_and_threshold() -> None:
    adapter = TypeAdapter(PeopleConfig)
    assert adapter.validate_python({"kind": "people"}).threshold == 0.6
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "ip"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "people", "threshold": 1.5})


def test_prepared_text_folds_separators_and_accents() -> None:
    prepared = Prepared.of(normalize("Spider-Man  Café  J.K."))
    assert prepared.text == "spider man cafe j k"
    assert [t.word for t in prepared.tokens("Spider-Man  Café  J.K.")] == ["spider", "man", "cafe", "j", "k"]
