"""Historical people (died long ago) and public-domain artists against living public figures and artists."""

from __future__ import annotations

import pytest

from limner.imaging.actions import Action
from limner.policy.compile import compile_policy
from limner.policy.detectors.people import (
    HISTORICAL,
    PUBLIC_FIGURE,
    PeopleConfig,
    PeopleDetector,
    shipped_deaths,
)
from limner.policy.schemas import PolicyContext
from limner.policy.service import default_policy_text, default_version


@pytest.fixture(scope="module")
def detector() -> PeopleDetector:
    return PeopleDetector(PeopleConfig())


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a starry night in the style of Van Gogh", "Van Gogh"),
        ("a marble statue of Abraham Lincoln", "Abraham Lincoln"),
        ("an oil painting of Napoleon crossing the Alps", "Napoleon"),
        ("Julius Caesar crossing the Rubicon, fresco", "Julius Caesar"),
        ("a bust of Queen Victoria in bronze", "Queen Victoria"),
    ],
)
def test_people_who_died_long_ago_are_historical(detector: PeopleDetector, text: str, name: str) -> None:
    found = {(f.category, text[f.start : f.end]) for f in detector.detect(text)}
    assert found == {(HISTORICAL, name)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a realistic photo of Emmanuel Macron crossing the Alps", "Emmanuel Macron"),
        ("a marble statue of Joe Biden", "Joe Biden"),
        ("a photo of Barack Obama in a courtroom", "Barack Obama"),
        ("in the style of Picasso", "Picasso"),  # died 1973: not yet 70 years
    ],
)
def test_living_and_recently_dead_figures_stay_public_figures(
    detector: PeopleDetector, text: str, name: str
) -> None:
    found = {(f.category, text[f.start : f.end]) for f in detector.detect(text)}
    assert found == {(PUBLIC_FIGURE, name)}


def test_the_horizon_is_configurable() -> None:
    strict = PeopleDetector(PeopleConfig(historical_after_years=1000))
    assert [f.category for f in strict.detect("a marble statue of Abraham Lincoln")] == [PUBLIC_FIGURE]
    loose = PeopleDetector(PeopleConfig(historical_after_years=40))
    assert [f.category for f in loose.detect("in the style of Picasso")] == [HISTORICAL]


def test_every_dated_person_is_in_a_gazetteer_with_a_plausible_year() -> None:
    deaths = shipped_deaths()
    assert {"abraham lincoln", "napoleon bonaparte", "vincent van gogh"} <= set(deaths)
    assert all(-3000 < year < 2100 for year in deaths.values())


@pytest.mark.parametrize(
    ("text", "action", "categories"),
    [
        ("a starry night in the style of Van Gogh", Action.ALLOW, ()),
        ("a marble statue of Abraham Lincoln", Action.ALLOW, ()),
        ("an oil painting of Napoleon crossing the Alps", Action.ALLOW, ()),
        ("a starry night in the style of Greg Rutkowski", Action.ALLOW, ()),
        ("a marble statue of Joe Biden", Action.BLOCK, ("person.public_figure",)),
        ("a realistic photo of Emmanuel Macron crossing the Alps", Action.BLOCK, ("person.public_figure",)),
    ],
)
def test_default_policy_allows_history_and_blocks_the_living(
    text: str, action: Action, categories: tuple[str, ...]
) -> None:
    engine = compile_policy(default_policy_text(), version=default_version())
    decision = engine.decide(text, PolicyContext())
    assert decision.action is action
    blocking = tuple(sorted({r.finding.category for r in decision.findings if r.action is Action.BLOCK}))
    assert blocking == categories


def test_living_artists_follow_the_artist_style_rule() -> None:
    text = default_policy_text().replace(
        "ip.artist_style: {action: allow}", "ip.artist_style: {action: block}"
    )
    engine = compile_policy(text, version="strict-styles")
    assert engine.decide("in the style of Greg Rutkowski", PolicyContext()).action is Action.BLOCK
    assert engine.decide("a starry night in the style of Van Gogh", PolicyContext()).action is Action.ALLOW
