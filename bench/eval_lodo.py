"""Leave-one-dataset-out (LODO) harm evaluation, next to the usual held-out split, plus XSafety.

For each public dev dataset D: the fast tier's n-gram classifier and the model tier's head are trained
and their thresholds tuned WITHOUT D, then scored on all of D. The dev column scores the shipped models
on the held-out test split of scripts/train_moderation.py (same distribution as training). The
multilingual rows are XSafety (Wang et al. 2023, Apache-2.0; translations by its authors, nobody on the
Limner team), never part of training. XSafety and the model tier's other training sources (PartiPrompts,
MultiJail, XSTest, Multilingual HateCheck, MLMA, GermEval 2018; each gets a LODO row) are read from $LIMNER_EVAL_EXTRA (default .cache/; steps in
docs/prompt-models.md).
Run: .venv/bin/python -m bench.eval_lodo (prints); `make eval` puts the same section into bench/results/eval.md.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import train_encoder_head as head_training  # noqa: E402
import train_moderation as fast_training  # noqa: E402
from train_moderation import SEED, Example, split  # noqa: E402

from limner.policy.detectors.harm import HarmConfig, HarmDetector  # noqa: E402
from limner.policy.detectors.harm_model import HarmModel  # noqa: E402
from limner.policy.detectors.harm_tier import HarmModelConfig, HarmModelDetector  # noqa: E402

Flag = Callable[[list[str]], list[bool]]
FAMILIES = (
    "i2p",
    "adversarial_nibbler",
    "ring_a_bell",
    "geneval",
    "t2i_compbench",
    "parti",
    "credsweeper",
    "multijail",
    "xstest",
    "mhc",
    "mlma",
    "germeval",
)
IMAGE_FAMILIES = frozenset({"i2p", "adversarial_nibbler", "ring_a_bell"})
# Sets the shipped fast tier is not trained on (the model tier's head only): left out of its folds too.
HEAD_ONLY = frozenset({"mhc", "mlma", "germeval"})
XSAFETY_SETS = {
    "Insult": "harassment",
    "Unfairness_And_Discrimination": "hate",
    "Crimes_And_Illegal_Activities": "illegal",
}
XSAFETY_LANGUAGES = {"en": "en", "sp": "es", "fr": "fr", "de": "de"}
EXTRA = head_training.EXTRA
FAST_EPOCHS = 150  # per fold (the shipped classifier uses 300): nine folds must fit in one `make eval`


def family(source: str) -> str:
    """The dataset a training source comes from ("nibbler_safe" → adversarial_nibbler)."""
    for prefix, name in (("i2p", "i2p"), ("nibbler", "adversarial_nibbler"), ("ring_a_bell", "ring_a_bell")):
        if source.startswith(prefix):
            return name
    return source


def fast_flagger(model: HarmModel | None) -> Flag:
    detector = HarmDetector(HarmConfig(), model=model)
    return lambda texts: [bool(detector.detect(t)) for t in texts]


def model_flagger(w: np.ndarray, b: np.ndarray, thresholds: dict[str, float], encoder: object) -> Flag:  # type: ignore[type-arg]
    def flag(texts: list[str]) -> list[bool]:
        x = head_training.embed(encoder, texts)  # type: ignore[arg-type]
        return head_training.flagged(head_training.probabilities(x, w, b), thresholds).tolist()

    return flag


def shipped_model_flagger(detector: HarmModelDetector) -> Flag:
    def flag(texts: list[str]) -> list[bool]:
        probs = detector.head.probabilities(head_training.embed(detector.encoder, texts).astype(np.float32))
        limits = np.array([detector.thresholds[c] for c in detector.head.categories])
        return (probs >= limits).any(axis=1).tolist()

    return flag


def union(a: Flag, b: Flag) -> Flag:
    return lambda texts: [x or y for x, y in zip(a(texts), b(texts), strict=True)]


def fold_fast_model(train: list[Example]) -> HarmModel:
    """The n-gram classifier trained on `train` only, as the file the detector loads."""
    weights, biases = fast_training.fit(train, l2=1e-5, epochs=FAST_EPOCHS)
    buffer = io.BytesIO()
    rows = np.flatnonzero(np.abs(weights).max(axis=1) > 1e-4)
    meta = {"n_buckets": fast_training.N_BUCKETS, "categories": list(fast_training.HEADS)}
    np.savez(
        buffer,
        rows=rows.astype(np.int32),
        weights=weights[rows].astype(np.float16),
        bias=biases.astype(np.float32),
        meta=np.array(json.dumps(meta)),
    )
    buffer.seek(0)
    return HarmModel(buffer)


def rate(flag: Flag, rows: list[Example]) -> str:
    if not rows:
        return "—"
    return f"{sum(flag([e.text for e in rows])) / len(rows):.3f}"


def row_sets(rows: list[Example]) -> dict[str, list[Example]]:
    sets: dict[str, list[Example]] = {}
    for e in rows:
        kind = "unsafe" if e.labels else "benign"
        sets.setdefault(f"{e.source} ({kind})", []).append(e)
    return dict(sorted(sets.items()))


def lodo_table(examples: list[Example], encoder: object) -> tuple[list[str], dict[str, float]]:
    lines = [
        "| held-out dataset | rows | n | fast dev | fast LODO | model dev | model LODO | both dev | both LODO |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    _, heldout = split(examples)
    _, test = split(heldout, SEED + 1, 0.5)
    shipped_fast = fast_flagger(None)
    shipped_model = shipped_model_flagger(HarmModelDetector(HarmModelConfig()))
    dev = {"fast": shipped_fast, "model": shipped_model, "both": union(shipped_fast, shipped_model)}
    worst: dict[str, float] = {}
    fast_models: dict[tuple[int, int], Flag] = {}
    for name in FAMILIES:
        others = [e for e in examples if family(e.source) != name]
        held = [e for e in examples if family(e.source) == name]
        fast_rows = [e for e in split(others)[0] if e.source not in HEAD_ONLY]
        key = (len(fast_rows), hash(tuple(e.group for e in fast_rows)))
        if key not in fast_models:  # the hate-speech folds share one fast model
            fast_models[key] = fast_flagger(fold_fast_model(fast_rows))
        fast = fast_models[key]
        x = head_training.embed(encoder, [e.text for e in others])  # type: ignore[arg-type]
        w, b, thresholds = head_training.train_and_tune(
            others, x, l2=head_training.L2, epochs=head_training.EPOCHS, max_fpr=head_training.MAX_FPR
        )
        model = model_flagger(w, b, thresholds, encoder)
        lodo = {"fast": fast, "model": model, "both": union(fast, model)}
        dev_rows = row_sets([e for e in test if family(e.source) == name])
        for label, rows in row_sets(held).items():
            cells = []
            for tier in ("fast", "model", "both"):
                cells += [rate(dev[tier], dev_rows.get(label, [])), rate(lodo[tier], rows)]
            lines.append(f"| {name} | {label} | {len(rows)} | " + " | ".join(cells) + " |")
            if "unsafe" in label and "token_soup" not in label and "nibbler_unsafe" not in label:
                worst[f"{name}: {label}"] = float(cells[5])
        print(f"fold {name} done", flush=True)
    return lines, worst


def xsafety_rows() -> dict[tuple[str, str], list[str]] | None:
    root = EXTRA / "xsafety"
    if not (root / "en").is_dir():
        return None
    rows: dict[tuple[str, str], list[str]] = {}
    for folder, lang in XSAFETY_LANGUAGES.items():
        for path in sorted((root / folder).glob("*.csv")):
            name = path.stem.removesuffix("_n").removesuffix("_en")
            if name in XSAFETY_SETS:
                text = path.read_text("utf-8-sig")
                rows[(name, lang)] = [
                    r[0].strip() for r in csv.reader(io.StringIO(text)) if r and r[0].strip()
                ]
    return rows


def xsafety_table(fast: Flag, model: Flag) -> list[str]:
    rows = xsafety_rows()
    if rows is None:
        return [f"XSafety is not in {EXTRA}/xsafety (see docs/prompt-models.md): table skipped."]
    both = union(fast, model)
    lines = ["| XSafety set (harm) | language | n | fast | model | both |", "|---|---|---:|---:|---:|---:|"]
    for (name, lang), texts in sorted(
        rows.items(), key=lambda kv: (kv[0][0], list(XSAFETY_LANGUAGES.values()).index(kv[0][1]))
    ):
        cells = [f"{sum(f(texts)) / len(texts):.3f}" for f in (fast, model, both)]
        lines.append(f"| {name} ({XSAFETY_SETS[name]}) | {lang} | {len(texts)} | " + " | ".join(cells) + " |")
    return lines


def lodo_lines() -> list[str]:
    started = time.perf_counter()
    encoder = HarmModelDetector(HarmModelConfig()).encoder
    examples = head_training.public_examples()
    table, worst = lodo_table(examples, encoder)
    shipped_fast = fast_flagger(None)
    shipped_model = shipped_model_flagger(HarmModelDetector(HarmModelConfig()))
    name, value = min(worst.items(), key=lambda kv: kv[1])
    image_name, image_value = min(
        ((k, v) for k, v in worst.items() if k.split(":")[0] in IMAGE_FAMILIES), key=lambda kv: kv[1]
    )
    return [
        "Rates flagged (any harm.* finding): recall on unsafe rows, false-positive rate on benign rows.",
        "fast = lexicons + n-gram classifier (`kind: harm`); model = sentence encoder + head",
        "(`kind: harm_model`); both = either. dev = shipped models on the held-out test split (rows",
        "from the same datasets were in training); LODO = models trained and tuned without the dataset.",
        f"The lexicons cannot be left out (they were written looking at these sets), so fast LODO is optimistic. Fast-tier folds train {FAST_EPOCHS} epochs.",
        "",
        *table,
        "",
        f"**Worst LODO recall (both tiers) on an explicit unsafe set: {value:.3f} — {name}.**",
        f"**Worst on an image-prompt set: {image_value:.3f} — {image_name}.**",
        "",
        "### Multilingual and out-of-domain: XSafety (never trained on; not image prompts)",
        "",
        *xsafety_table(shipped_fast, shipped_model),
        "",
        f"(LODO run: {time.perf_counter() - started:.0f} s.)",
    ]


def main() -> None:
    text = "\n".join(["## Harm: leave-one-dataset-out (bench/eval_lodo.py)", "", *lodo_lines()])
    print(text)


if __name__ == "__main__":
    main()
