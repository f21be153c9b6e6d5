"""Unit tests for limner.policy.normalize (pure). Detector tests: tests/unit/policy/detectors/."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from limner.policy.normalize import normalize

ZWJ = "\u200d"
ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Hello World", "hello world"),
        ("41\x0011\x1b22", "411122"),  # control characters dropped
        ("ab\tcd\nef", "ab cd ef"),  # tab and newline stay whitespace
        ("\u0664\u0661\u0661\u0661", "4111"),  # Arabic-Indic digits
        ("\u096a\u0967", "41"),  # Devanagari digits
        ("\uff14\uff11", "41"),  # full-width digits
        ("\u09ea\u0e51\U0001d7d2", "414"),  # Bengali, Thai, mathematical bold digits
        (f"k{ZWSP}i{ZWJ}l\u00adl", "kill"),
        ("\u202ekill\u202c", "kill"),
        ("\ufeffbom", "bom"),
        ("tag\U000e0041\U000e0042s", "tags"),
        ("\uff4b\uff49\uff4c\uff4c", "kill"),
        ("\U0001d424\U0001d422\U0001d425\U0001d425", "kill"),
        ("ﬁre", "fire"),
        ("Cafe\u0301", "café"),
        ("STRASSE Straße", "strasse strasse"),
        ("\u041d\u0435ll\u043e", "hello"),  # Cyrillic capital En and small o inside Latin
        ("\u0440\u043ern", "porn"),  # Cyrillic look-alikes mixed with Latin r and n
        ("\u039a\u0399LL", "kill"),  # Greek capitals
        ("привет мир", "привет мир"),  # genuine Russian keeps its letters
        ("καλημέρα", "καλημέρα"),  # genuine Greek keeps its letters
        ("j o h n", "john"),
        ("s.e.x", "sex"),
        ("k-i-l-l him", "kill him"),
        ("n_u_d_e", "nude"),
        ("a b", "a b"),  # two single letters are not a run
        ("e.g. this", "e.g. this"),
        ("J. R. R. Tolkien", "j. r. r. tolkien"),
        ("x-ray", "x-ray"),
        ("too   many\t\nspaces", "too many spaces"),
        ("k  i  l  l", "kill"),
        ("j o h n  s m i t h", "john smith"),
        ("4 1 1 1", "4 1 1 1"),  # digits stay apart: "1.5 x 2" must not become "15x2"
        ("1.5 x 2", "1.5 x 2"),
    ],
)
def test_normalize_folds_evasions(original: str, expected: str) -> None:
    assert normalize(original).text == expected


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("b00bs", "boobs"),
        ("h3ll0", "hello"),
        ("5ex", "sex"),
        ("@ss", "ass"),
        ("k1ll", "kill"),
        ("n4k3d", "naked"),
        ("pr0n", "pron"),
        ("1024x1024", "1024x1024"),
        ("+1 555 123 4567", "+1 555 123 4567"),
        ("$100 and 7 dwarfs", "$100 and 7 dwarfs"),
        ("4k photo", "4k photo"),
        ("covid19", "covid19"),
    ],
)
def test_leet_maps_only_inside_words(original: str, expected: str) -> None:
    assert normalize(original, leet=True).text == expected


def test_leet_is_off_by_default() -> None:
    assert normalize("b00bs").text == "b00bs"


@pytest.mark.parametrize(
    ("original", "needle", "expected_original"),
    [
        ("call j o h n now", "john", "j o h n"),
        (f"the k{ZWJ}i{ZWJ}l{ZWJ}l list", "kill", f"k{ZWJ}i{ZWJ}l{ZWJ}l"),
        ("big \uff4b\uff49\uff4c\uff4c here", "kill", "\uff4b\uff49\uff4c\uff4c"),
        ("a \u041d\u0435ll\u043e there", "hello", "\u041d\u0435ll\u043e"),
        ("Cafe\u0301 noir", "café", "Cafe\u0301"),
        ("x  y", "y", "y"),
        ("card 4111\x001111 ok", "41111111", "4111\x001111"),
        ("card \u0664\u0661\u0661\u0661 ok", "4111", "\u0664\u0661\u0661\u0661"),
    ],
)
def test_span_maps_back_to_original(original: str, needle: str, expected_original: str) -> None:
    result = normalize(original)
    start = result.text.index(needle)
    orig_start, orig_end = result.span(start, start + len(needle))
    assert original[orig_start:orig_end] == expected_original


def test_span_of_part_of_expanded_character_is_not_empty() -> None:
    result = normalize("ﬁ")
    assert result.span(0, 1) == (0, 1)


def test_index_has_one_entry_per_char_plus_end() -> None:
    result = normalize("Hello\u200b World")
    assert len(result.index) == len(result.text) + 1
    assert result.index[-1] == len("Hello\u200b World")


def test_normalize_is_cached() -> None:
    assert normalize("cached text") is normalize("cached text")


@given(st.text(max_size=60))
def test_index_is_monotonic_and_in_range(text: str) -> None:
    for leet in (False, True):
        result = normalize(text, leet=leet)
        assert len(result.index) == len(result.text) + 1
        assert list(result.index) == sorted(result.index)
        assert all(0 <= i <= len(text) for i in result.index)
        assert result.index[-1] == len(text)


@given(st.text(max_size=60), st.data())
def test_span_is_within_original(text: str, data: st.DataObject) -> None:
    result = normalize(text)
    if not result.text:
        return
    start = data.draw(st.integers(0, len(result.text) - 1))
    end = data.draw(st.integers(start + 1, len(result.text)))
    orig_start, orig_end = result.span(start, end)
    assert 0 <= orig_start < orig_end <= len(text)
