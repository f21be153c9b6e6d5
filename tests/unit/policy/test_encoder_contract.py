"""Unit tests: the SentenceEncoder contract, run against every member of EncoderConfig built through
`build_encoder` (use_multilingual_v3, the shipped hash-pinned model, and the fake).

The contract (policy/detectors/encoders.py): one row of `dim` float32 values per text, L2-normalised,
the same vector for the same text whatever else is in the batch."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest
from pydantic import TypeAdapter

from limner.errors import ConfigError
from limner.policy.detectors.encoders import EncoderConfig, SentenceEncoder, UseEncoderConfig, build_encoder

CONFIGS = TypeAdapter[EncoderConfig](EncoderConfig)
KINDS = ["use_multilingual_v3", "fake"]
TEXTS = ["a red fox jumps", "A RED FOX JUMPS", "un renard rouge saute", "a quiet lake at dawn"]


@pytest.fixture(scope="module", params=KINDS)
def encoder(request: pytest.FixtureRequest) -> SentenceEncoder:
    return build_encoder(CONFIGS.validate_python({"kind": request.param}))


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(EncoderConfig)[0])
    assert sorted(m.model_fields["kind"].default for m in union) == sorted(KINDS)


def test_one_normalised_float32_row_per_text(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), encoder.dim)
    assert vectors.dtype == np.dtype(np.float32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_an_empty_batch_is_an_empty_matrix(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_a_text_without_words_is_a_finite_row_of_norm_at_most_one(encoder: SentenceEncoder) -> None:
    # The model embeds even "" (norm 1); the fake has no word to hash (norm 0). Neither may be NaN.
    row = encoder.encode(["", "  "])
    assert np.isfinite(row).all()
    assert (np.linalg.norm(row, axis=1) <= 1.0 + 1e-4).all()


def test_a_text_encodes_the_same_alone_and_in_a_batch(encoder: SentenceEncoder) -> None:
    batch = encoder.encode(TEXTS)
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    assert np.allclose(batch, alone, atol=1e-5)
    assert np.array_equal(encoder.encode(TEXTS), batch)


def test_the_same_words_score_closer_than_unrelated_ones(encoder: SentenceEncoder) -> None:
    fox, shouted, _, lake = encoder.encode(TEXTS)
    assert float(fox @ shouted) > float(fox @ lake)


def test_a_swapped_model_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pinned = {"weights.npz": "0" * 64, "sp.model": "0" * 64}
    monkeypatch.setattr("limner.policy.detectors.encoders.USE_RESOURCES", pinned)
    with pytest.raises(ConfigError, match="sha256"):
        build_encoder(UseEncoderConfig())
