"""Non-English hate and abuse data for the model tier's head, written by nobody on the team.

Three public sets, read from pinned checkouts under $LIMNER_EVAL_EXTRA (default .cache/; steps in
docs/prompt-models.md), never committed:
- Multilingual HateCheck (Röttger et al., WOAH 2022; CC BY 4.0): functional tests written by native-speaker
  experts in ten languages, hateful cases and non-hateful contrasts (counter-speech, neutral mentions of
  groups, profanity aimed at no group).
- MLMA (Ousidhoum et al., EMNLP 2019; MIT): real French tweets, annotated for hostility and its target.
- GermEval 2018 (Wiegand et al.; CC BY 4.0): real German tweets, annotated OFFENSE (ABUSE / INSULT /
  PROFANITY) or OTHER.
XSafety stays evaluation-only.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from train_moderation import Example

# folder → (repository, commit) of each pinned checkout.
CHECKOUTS = {
    "mhc": ("rewire-online/multilingual-hatecheck", "a03f2caf2023a402d85064bda243e46d280408f0"),
    "mlma": ("HKUST-KnowComp/MLMA_hate_speech", "479836984aebfbd8a0270ca92018980f745e4c44"),
    "germeval2018": ("uds-lsv/GermEval-2018-Data", "9877472d39523effd54cd079b4c61157ed141508"),
}
MHC_LANGUAGES = (
    "spanish",
    "french",
    "german",
    "italian",
    "portuguese",
    "dutch",
    "polish",
    "arabic",
    "hindi",
    "mandarin",
)
# Ten languages of templated cases: each case counts as this much of a distinct prompt.
MHC_WEIGHT = 0.2
# Tweets labelled by crowd workers (MLMA) or annotators (GermEval): noisier than the curated sets.
TWEET_WEIGHT = 0.5
# The heads each set's labels speak for (the others learn nothing from its rows).
SOURCE_HEADS = {
    "mhc": ("harm.hate",),
    "mlma": ("harm.hate", "harm.harassment"),
    "germeval": ("harm.hate", "harm.harassment"),
}
IDENTITY_TARGETS = frozenset({"origin", "gender", "sexual_orientation", "religion", "disability"})

Checkout = Callable[[Path], Path]


def mhc_examples(extra: Path, checkout: Checkout) -> list[Example]:
    """Hateful cases → harm.hate; non-hateful contrasts → negatives. Cases from one template share a group,
    so a template's variants (spelling, negation) never straddle a split."""
    examples = []
    for language in MHC_LANGUAGES:
        path = checkout(extra / "mhc" / "MHC Final Cases" / f"hatecheck_cases_final_{language}.csv")
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = row["test_case"].strip()
                if not text:
                    continue
                labels = frozenset({"harm.hate"}) if row["label_gold"] == "hateful" else frozenset()
                group = f"mhc:{language}:{row['templ_id'] or row['mhc_case_id']}"
                examples.append(Example(text, labels, "mhc", group, MHC_WEIGHT))
    return examples


def mlma_examples(extra: Path, checkout: Checkout) -> list[Example]:
    """French tweets. Only `normal` → negative; hostile (no `normal` vote) aimed at an identity → harm.hate,
    at someone else → harm.harassment; mixed votes are left out."""
    archive = checkout(extra / "mlma" / "hate_speech_mlma.zip")
    with zipfile.ZipFile(archive) as bundle:
        text = bundle.read("hate_speech_mlma/fr_dataset.csv").decode("utf-8")
    examples = []
    for row in csv.DictReader(io.StringIO(text)):
        votes = set(row["sentiment"].split("_"))
        if votes == {"normal"}:
            labels: frozenset[str] = frozenset()
        elif "normal" in votes:
            continue
        elif row["target"] in IDENTITY_TARGETS:
            labels = frozenset({"harm.hate"})
        else:
            labels = frozenset({"harm.harassment"})
        examples.append(Example(row["tweet"].strip(), labels, "mlma", f"mlma:{row['HITId']}", TWEET_WEIGHT))
    return examples


GERMEVAL_LABELS = {"ABUSE": frozenset({"harm.hate"}), "INSULT": frozenset({"harm.harassment"})}


def germeval_examples(extra: Path, checkout: Checkout) -> list[Example]:
    """German tweets: ABUSE → harm.hate, INSULT → harm.harassment, OTHER → negative; PROFANITY (swearing
    aimed at nobody) is left out."""
    examples = []
    for part in ("training", "test"):
        path = checkout(extra / "germeval2018" / f"germeval2018.{part}.txt")
        for i, line in enumerate(path.read_text("utf-8").splitlines()):
            fields = line.split("\t")
            if len(fields) != 3 or fields[2] == "PROFANITY":
                continue
            labels = GERMEVAL_LABELS.get(fields[2], frozenset())
            group = f"germeval:{part}:{i}"
            examples.append(Example(fields[0].strip(), labels, "germeval", group, TWEET_WEIGHT))
    return examples


def hate_examples(extra: Path, checkout: Checkout) -> list[Example]:
    return [
        *mhc_examples(extra, checkout),
        *mlma_examples(extra, checkout),
        *germeval_examples(extra, checkout),
    ]
