"""The detector registry: a policy's `detectors:` list names their kinds and options."""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from limner.policy.detectors.base import AsyncDetector, Detector
from limner.policy.detectors.harm import HarmConfig, HarmDetector
from limner.policy.detectors.harm_tier import HarmModelConfig, HarmModelDetector
from limner.policy.detectors.ip import IpConfig, IpDetector
from limner.policy.detectors.ner import NerConfig, NerDetector
from limner.policy.detectors.people import PeopleConfig, PeopleDetector
from limner.policy.detectors.pii import PiiConfig, PiiDetector
from limner.policy.detectors.remote_azure import AzureContentSafetyTextConfig, AzureContentSafetyTextDetector
from limner.policy.detectors.remote_llama_guard import LlamaGuardConfig, LlamaGuardDetector
from limner.policy.detectors.remote_openai import OpenAIModerationConfig, OpenAIModerationDetector
from limner.policy.detectors.secrets import SecretsConfig, SecretsDetector
from limner.policy.detectors.terms import TermsConfig, TermsDetector

DetectorConfig = Annotated[
    PiiConfig
    | SecretsConfig
    | TermsConfig
    | HarmConfig
    | HarmModelConfig
    | PeopleConfig
    | NerConfig
    | IpConfig
    | OpenAIModerationConfig
    | AzureContentSafetyTextConfig
    | LlamaGuardConfig,
    Field(discriminator="kind"),
]


def build_detector(config: DetectorConfig) -> Detector | AsyncDetector:
    """Local kinds build a sync Detector; vendor-backed kinds an AsyncDetector (see base.py)."""
    match config:
        case PiiConfig():
            return PiiDetector(config)
        case SecretsConfig():
            return SecretsDetector(config)
        case TermsConfig():
            return TermsDetector(config)
        case HarmConfig() | HarmModelConfig():
            return _harm(config)
        case PeopleConfig() | NerConfig():
            return _people(config)
        case IpConfig():
            return IpDetector(config)
        case OpenAIModerationConfig():
            return OpenAIModerationDetector(config)
        case AzureContentSafetyTextConfig():
            return AzureContentSafetyTextDetector(config)
        case LlamaGuardConfig():
            return LlamaGuardDetector(config)
        case _:
            assert_never(config)


def _people(config: PeopleConfig | NerConfig) -> Detector | AsyncDetector:
    """Listed and heuristic names, or names found by the optional spaCy pipeline (on a worker thread)."""
    if isinstance(config, NerConfig):
        return NerDetector(config)
    return PeopleDetector(config)


def _harm(config: HarmConfig | HarmModelConfig) -> Detector | AsyncDetector:
    """The fast tier (lexicons + n-grams) or the model tier (sentence encoder, on a worker thread)."""
    if isinstance(config, HarmModelConfig):
        return HarmModelDetector(config)
    return HarmDetector(config)


__all__ = ["AsyncDetector", "Detector", "DetectorConfig", "build_detector"]
