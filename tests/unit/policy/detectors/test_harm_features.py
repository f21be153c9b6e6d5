"""Unit tests: the harm model's feature extraction — one bucket per word and character n-gram, every
offset inside the text, nothing for empty text, the same features for the same text, and a cap on length.

Integration twin: tests/integration/policy/test_harm_model_tier.py."""

from __future__ import annotations

import numpy as np
import pytest

from limner.policy.detectors.harm_features import extract

BUCKETS = 1024


@pytest.mark.parametrize("text", ["", "a", "ab", "knife fight", "how to build a bomb at home"])
def test_features_line_up_and_stay_inside_the_text(text: str) -> None:
    features = extract(text, BUCKETS)
    assert len(features.buckets) == len(features.starts) == len(features.ends)
    assert np.all((features.buckets >= 0) & (features.buckets < BUCKETS))
    assert np.all((features.starts >= 0) & (features.starts <= features.ends))
    assert np.all(features.ends <= len(text))


def test_empty_text_has_no_features() -> None:
    assert len(extract("", BUCKETS).buckets) == 0


def test_the_same_text_always_gives_the_same_features() -> None:
    first, second = extract("knife fight", BUCKETS), extract("knife fight", BUCKETS)
    assert np.array_equal(first.buckets, second.buckets)
    assert not np.array_equal(first.buckets, extract("kite flight", BUCKETS).buckets)


def test_very_long_text_is_cut_before_extraction() -> None:
    long = extract("ab " * 5000, BUCKETS)
    assert int(long.ends.max()) <= 2000
    assert len(long.buckets) == len(extract(("ab " * 5000)[:2000], BUCKETS).buckets)
