"""Unit tests for the hosted providers' pure parts: answer parsing, resizing, retry helpers.

Their HTTP behaviour against loopback fakes is in tests/integration/moderation/."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from limner.errors import UpstreamError
from limner.moderation.providers import _http, azure_content_safety, openai
from limner.upstream import backoff_delay
from tests.unit.moderation.conftest import png


def test_openai_labels_fold_onto_our_categories_taking_the_highest() -> None:
    answer = {
        "results": [
            {
                "category_scores": {
                    "sexual": 0.1,
                    "sexual/minors": 0.01,
                    "violence/graphic": 0.7,
                    "self-harm": 0.2,
                    "self-harm/intent": 0.4,
                    "illicit/violent": 0.3,
                    "some-new-label": 0.99,
                }
            }
        ]
    }
    assert openai.parse_scores(answer, "openai") == {
        "sexual": 0.1,
        "sexual_minors": 0.01,
        "gore": 0.7,
        "self_harm": 0.4,
        "illegal": 0.3,
    }


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"results": []},
        {"results": [{"category_scores": {"sexual": "high"}}]},
        {"results": [{"category_scores": {"renamed": 0.9}}]},
        ["not", "a", "dict"],
    ],
)
def test_openai_answer_of_wrong_shape_is_an_upstream_error(answer: Any) -> None:
    with pytest.raises(UpstreamError) as caught:
        openai.parse_scores(answer, "openai")
    assert caught.value.code == "upstream_bad_response"


def test_azure_severities_map_to_thirds() -> None:
    answer = {
        "categoriesAnalysis": [
            {"category": "Hate", "severity": 0},
            {"category": "SelfHarm", "severity": 2},
            {"category": "Sexual", "severity": 4},
            {"category": "Violence", "severity": 6},
            {"category": "FutureCategory", "severity": 6},
        ]
    }
    scores = azure_content_safety.parse_scores(answer, "azure")
    assert scores == pytest.approx({"hate": 0, "self_harm": 1 / 3, "sexual": 2 / 3, "violence": 1})


@pytest.mark.parametrize(
    "answer", [{}, {"categoriesAnalysis": []}, {"categoriesAnalysis": [{"category": "Sexual"}]}]
)
def test_azure_answer_of_wrong_shape_is_an_upstream_error(answer: Any) -> None:
    with pytest.raises(UpstreamError, match="unexpected shape"):
        azure_content_safety.parse_scores(answer, "azure")


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize(
    ("size", "expected"),
    [((3000, 1500), (2048, 1024)), ((40, 80), (50, 100)), ((4000, 20), (2048, 50))],
)
def test_azure_images_are_fitted_into_the_accepted_range(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert _size(azure_content_safety.fit_for_service(png(size))) == expected


def test_azure_image_already_in_range_is_sent_unchanged() -> None:
    data = png((512, 512))
    assert azure_content_safety.fit_for_service(data) is data


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 10])
def test_backoff_is_jittered_within_half_to_full_capped_ceiling(attempt: int) -> None:
    policy = _http.HttpOptions(backoff_initial_s=0.5, backoff_max_s=4.0).retry_policy()
    ceiling = min(0.5 * 2**attempt, 4.0)
    delays = {backoff_delay(policy, attempt) for _ in range(20)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1
