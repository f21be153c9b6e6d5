"""The speed-ups in normalize() and the detectors must not change a result: each fast path is
checked against the plain per-character algorithm it stands in for."""

from __future__ import annotations

import re
import unicodedata

import pytest

from limner.policy import normalize as norm
from limner.policy.detectors import pii_names
from limner.policy.detectors._literals import required_literals
from limner.policy.detectors.people_text import Prepared, fold_char
from limner.policy.detectors.secret_tokens import _PREFIXED, _prefix_needles
from limner.policy.detectors.terms import _strip_marks

TRICKY = [
    "",
    "a photo of a bench",
    "Send it to  J o h n   S m i t h\tat 4ny0ne@example.com",
    "cafe\u0301 au lait, e\u200b\u0301t\u00e9, \ufb01ne",  # combining marks, invisible, ligature
    "\u0440\u0430\u0443\u0440\u0430l and \u0420\u0443\u0441\u0441\u043a\u0438\u0439 text",
    "k.i.l.l the d-r-a-g-o-n, 1 9 8 0 s, f / 1. 4",
    "STRASSE \u1e9e and \u0130stanbul \u00df",
    "  leading and trailing spaces  ",
]


def _nfkc_reference(text: str) -> list[tuple[str, int]]:
    """The original algorithm: drop invisibles, then NFKC each base with its combining marks."""
    visible = [(c, i) for i, c in enumerate(text) if not norm._is_invisible(c)]
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(visible):
        end = pos + 1
        while end < len(visible) and unicodedata.combining(visible[end][0]):
            end += 1
        cluster = "".join(c for c, _ in visible[pos:end])
        out += [(c, visible[pos][1]) for c in unicodedata.normalize("NFKC", cluster)]
        pos = end
    return out


@pytest.mark.parametrize("text", TRICKY)
def test_nfkc_matches_the_per_cluster_algorithm(text: str) -> None:
    assert norm._nfkc(text) == _nfkc_reference(text)


@pytest.mark.parametrize("text", TRICKY)
def test_canonical_fast_paths_match_the_general_path(text: str) -> None:
    chars = norm._casefold(norm._fold_homoglyphs(norm._nfkc(text)))
    folded, index = norm._canonical(text)
    assert (folded, list(index)) == ("".join(c for c, _ in chars), [i for _, i in chars])


@pytest.mark.parametrize("text", TRICKY)
def test_whitespace_and_spaced_letter_shortcuts_change_nothing_they_skip(text: str) -> None:
    folded, index = norm._canonical(text)
    chars = list(zip(folded, index, strict=True))
    joined = norm._collapse_spaced_letters(chars)
    collapsed, kept = norm._collapse_spaced(folded, index)
    assert (collapsed, list(kept)) == ("".join(c for c, _ in joined), [i for _, i in joined])


@pytest.mark.parametrize("text", TRICKY)
def test_prepared_folds_each_character_like_fold_char(text: str) -> None:
    prepared = Prepared.of(norm.normalize(text))
    folded = "".join(fold_char(c) for c in norm.normalize(text).text)
    assert prepared.text == re.sub(" +", " ", folded).strip(" ")
    assert all(
        prepared.text[i] == fold_char(prepared.normalized.text[p]) for i, p in enumerate(prepared.positions)
    )


def test_strip_marks_ascii_shortcut() -> None:
    assert _strip_marks("Plain ASCII, 42!") == ("Plain ASCII, 42!", list(range(16)))
    assert _strip_marks("caf\u00e9") == ("cafe", [0, 1, 2, 3])


def test_required_literals_are_in_every_match() -> None:
    assert required_literals(re.compile(r"(?<!\w)ghp_[A-Za-z0-9]{36}")) == ("ghp_",)
    assert required_literals(re.compile(r"(?:sk|rk)_(?:live|test)_\d+")) == ("live", "test")
    assert required_literals(re.compile(r"A{5,}B")) == ("AAAAA",)
    assert required_literals(re.compile(r"[a-z]+\d")) == ()
    assert required_literals(re.compile(r"token", re.IGNORECASE)) == ()


@pytest.mark.parametrize(
    "token",
    [
        "ghp_" + "a1B2" * 9,
        "sk-ant-api03-" + "x" * 80,
        "xoxb-1234567890-abcdefghij",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "A" * 24 + "b" * 30,
        "123456789:AA" + "c" * 33,
    ],
)
def test_needles_never_hide_a_token(token: str) -> None:
    text = f"use {token} here"
    for (_, pattern, _), needles in zip(_PREFIXED, _prefix_needles(), strict=True):
        if pattern.search(text):
            assert not needles or any(needle in text for needle in needles)


def test_attribution_hint_window() -> None:
    text = "painting by Greg Rutkowski and in the Style of Mucha"
    assert pii_names._has_hint(text, 0, 12)
    assert not pii_names._has_hint(text, 0, 10)  # "by" ends at 11
    assert pii_names._has_hint(text, 30, len(text))
    assert not pii_names._has_hint(text, 12, 30)
