"""Train the offline harm classifier (hashed n-grams + logistic regression, numpy only) on public dev sets.

Writes src/limner/policy/data/harm/classifier.npz (no pickle) and prints held-out metrics per category.
Reproducible: fixed seed, deterministic split by source row. Run: .venv/bin/python scripts/train_moderation.py
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from limner.policy.detectors.harm_features import extract
from limner.policy.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
# The labelled public datasets (not shipped): LIMNER_EVAL_DIR, or shared/eval/dev beside the checkout.
DEV = Path(os.environ.get("LIMNER_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"))
OUT = ROOT / "src/limner/policy/data/harm/classifier.npz"
EXTRA = ROOT / "src/limner/policy/data/harm/train_extra.jsonl"
SEED = 20261128
HELDOUT_SHARE = 0.2
N_BUCKETS = 1 << 18
HEADS = (
    "harm.sexual",
    "harm.violence",
    "harm.self_harm",
    "harm.hate",
    "harm.harassment",
    "harm.illegal",
    "harm.shocking",
)
I2P_CATEGORIES = {
    "sexual": "harm.sexual",
    "violence": "harm.violence",
    "self-harm": "harm.self_harm",
    "hate": "harm.hate",
    "harassment": "harm.harassment",
    "illegal activity": "harm.illegal",
    "shocking": "harm.shocking",
}
# Sources of everyday prompts that must pass; nibbler "safe" rows are adversarial art prompts instead.
EVERYDAY_BENIGN = frozenset({"geneval", "t2i_compbench", "ring_a_bell_safe", "extra"})
NIBBLER_HARMS = {"sexual": "harm.sexual", "violent": "harm.violence", "hate": "harm.hate"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled prompt: `labels` empty means benign; `group` keeps related rows in one split."""

    text: str
    labels: frozenset[str]
    source: str
    group: str
    weight: float = 1.0


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _i2p() -> Iterator[Example]:
    """Keep I2P rows whose TEXT is likely unsafe: labels come from search keywords (see SOURCE.md)."""
    for row in _rows(DEV / "i2p/i2p.jsonl"):
        toxicity = float(row.get("prompt_toxicity") or 0.0)
        nudity = float(row.get("nudity_pct") or 0.0)
        if not row["hard"] or (toxicity < 0.25 and nudity < 40):
            continue
        labels = {I2P_CATEGORIES[c] for c in row["categories"]}
        if nudity >= 40:
            labels.add("harm.sexual")
        yield Example(str(row["text"]), frozenset(labels), "i2p", f"i2p:{row['text']}")


def _i2p_low_risk() -> Iterator[Example]:
    """I2P rows whose images were almost never unsafe and whose text is not toxic: art-style negatives.

    Without them every art-style prompt looks unsafe, because the other negatives are plain sentences."""
    for row in _rows(DEV / "i2p/i2p.jsonl"):
        toxicity = float(row.get("prompt_toxicity") or 0.0)
        if float(row["inappropriate_pct"]) <= 10 and toxicity < 0.15:
            yield Example(str(row["text"]), frozenset(), "i2p_low_risk", f"i2p:{row['text']}")


def _nibbler() -> Iterator[Example]:
    for row in _rows(DEV / "adversarial_nibbler/nibbler_rewritten_explicit.jsonl"):
        labels = frozenset(NIBBLER_HARMS[h] for h in row["harm_types"] if h in NIBBLER_HARMS)
        if labels and len(str(row["text"])) > 3:
            yield Example(str(row["text"]), labels, "nibbler_rewritten", f"nib:{row['source_prompt_id']}")
    for row in _rows(DEV / "adversarial_nibbler/nibbler_submitted.jsonl"):
        harms = frozenset(NIBBLER_HARMS[h] for h in row["submitter_harm_types"] if h in NIBBLER_HARMS)
        group = f"nib:{row['id']}"
        if row["text_label"] == "safe":
            yield Example(str(row["text"]), frozenset(), "nibbler_safe", group)
        elif row["text_label"] == "unsafe" and harms:
            # Designed to look safe; down-weighted so coded art prompts do not dominate.
            yield Example(str(row["text"]), harms, "nibbler_unsafe", group, weight=0.5)


def _ring_a_bell() -> Iterator[Example]:
    for row in _rows(DEV / "ring_a_bell/ring_a_bell.jsonl"):
        group = f"rab:{row.get('pair_id') or row['id']}"
        if row["label"] == "safe":
            yield Example(str(row["text"]), frozenset(), "ring_a_bell_safe", group)
        else:
            label = "harm.sexual" if row["category"] == "sexual" else "harm.violence"
            # 750 machine-made token soups would otherwise decide what "violence" looks like.
            weight = 0.3 if row["kind"] == "adversarial_token_soup" else 1.0
            yield Example(str(row["text"]), frozenset({label}), f"ring_a_bell_{row['kind']}", group, weight)


def _benign() -> Iterator[Example]:
    for name, path in (
        ("geneval", "geneval/geneval_prompts.jsonl"),
        ("t2i_compbench", "t2i_compbench/t2i_compbench_val_sample.jsonl"),
    ):
        for row in _rows(DEV / path):
            yield Example(str(row["text"]), frozenset(), name, f"{name}:{row['id']}")


def _extra() -> Iterator[Example]:
    """Hand-written hard negatives and positives (src/limner/policy/data/harm/train_extra.jsonl)."""
    for i, row in enumerate(_rows(EXTRA)):
        labels = frozenset(row.get("labels", []))
        yield Example(str(row["text"]), labels, "extra", f"extra:{i}")


def load_examples() -> list[Example]:
    return [*_i2p(), *_i2p_low_risk(), *_nibbler(), *_ring_a_bell(), *_benign(), *_extra()]


def split(
    examples: list[Example], seed: int = SEED, share: float = HELDOUT_SHARE
) -> tuple[list[Example], list[Example]]:
    """Deterministic train/held-out split by group (source row), the same share from every source."""
    heldout_groups: set[str] = set()
    for source in sorted({e.source for e in examples}):
        groups = sorted({e.group for e in examples if e.source == source})
        order = np.random.default_rng(seed).permutation(len(groups))
        heldout_groups.update(groups[i] for i in order[: int(len(groups) * share)])
    train = [e for e in examples if e.group not in heldout_groups]
    heldout = [e for e in examples if e.group in heldout_groups]
    return train, heldout


@dataclass(frozen=True, slots=True)
class Matrix:
    """A sparse design matrix in coordinate form."""

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    n_rows: int


def featurize(texts: list[str]) -> Matrix:
    rows, cols, values = [], [], []
    for i, text in enumerate(texts):
        buckets, vals = extract(normalize(text, leet=True).text, N_BUCKETS).unique()
        rows.append(np.full(len(buckets), i, dtype=np.int64))
        cols.append(buckets)
        values.append(vals)
    return Matrix(np.concatenate(rows), np.concatenate(cols), np.concatenate(values), len(texts))


def _logits(x: Matrix, w: npt.NDArray[np.float64], b: float) -> npt.NDArray[np.float64]:
    sums = np.bincount(x.rows, weights=x.values * w[x.cols], minlength=x.n_rows)
    return np.asarray(sums + b, dtype=np.float64)


def train_head(
    x: Matrix, y: npt.NDArray[np.float64], sample_weight: npt.NDArray[np.float64], *, l2: float, epochs: int
) -> tuple[npt.NDArray[np.float64], float]:
    """Weighted logistic regression by full-batch Adam; classes are balanced through the sample weights."""
    pos = max(float((y * sample_weight).sum()), 1.0)
    neg = max(float(((1 - y) * sample_weight).sum()), 1.0)
    weight = sample_weight * np.where(y > 0, 0.5 / pos, 0.5 / neg)
    w, b = np.zeros(N_BUCKETS), 0.0
    m, v, mb, vb = np.zeros(N_BUCKETS), np.zeros(N_BUCKETS), 0.0, 0.0
    for step in range(1, epochs + 1):
        p = 1.0 / (1.0 + np.exp(-_logits(x, w, b)))
        residual = (p - y) * weight
        grad = np.bincount(x.cols, weights=residual[x.rows] * x.values, minlength=N_BUCKETS) + l2 * w
        grad_b = float(residual.sum())
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad**2
        mb, vb = 0.9 * mb + 0.1 * grad_b, 0.999 * vb + 0.001 * grad_b**2
        correction = np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= 0.05 * correction * m / (np.sqrt(v) + 1e-8)
        b -= 0.05 * correction * mb / (np.sqrt(vb) + 1e-8)
    return w, b


def fit(
    examples: list[Example], *, l2: float, epochs: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    x = featurize([e.text for e in examples])
    sample_weight = np.array([e.weight for e in examples])
    weights, biases = [], []
    for head in HEADS:
        y = np.array([1.0 if head in e.labels else 0.0 for e in examples])
        w, b = train_head(x, y, sample_weight, l2=l2, epochs=epochs)
        weights.append(w)
        biases.append(b)
    return np.stack(weights, axis=1), np.array(biases)


def predict(
    weights: npt.NDArray[np.float64], biases: npt.NDArray[np.float64], texts: list[str]
) -> npt.NDArray[np.float64]:
    x = featurize(texts)
    logits = np.stack([_logits(x, weights[:, i], biases[i]) for i in range(len(HEADS))], axis=1)
    return 1.0 / (1.0 + np.exp(-logits))


def tune_thresholds(
    probs: npt.NDArray[np.float64], heldout: list[Example], max_fpr: float
) -> dict[str, float]:
    """Per head, the lowest threshold whose false-positive rate on everyday benign rows is ≤ max_fpr."""
    benign = np.array([e.source in EVERYDAY_BENIGN and not e.labels for e in heldout])
    thresholds = {}
    for i, head in enumerate(HEADS):
        scores = np.sort(probs[benign, i])[::-1]
        allowed = int(np.floor(max_fpr * len(scores)))
        thresholds[head] = round(float(max(scores[allowed] + 1e-3, 0.5)), 3)
    return thresholds


def report(
    probs: npt.NDArray[np.float64], heldout: list[Example], thresholds: dict[str, float]
) -> dict[str, dict[str, float]]:
    metrics = {}
    for i, head in enumerate(HEADS):
        truth = np.array([head in e.labels for e in heldout])
        predicted = probs[:, i] >= thresholds[head]
        tp = int((truth & predicted).sum())
        precision = tp / max(int(predicted.sum()), 1)
        recall = tp / max(int(truth.sum()), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        metrics[head] = {"precision": precision, "recall": recall, "f1": f1, "support": int(truth.sum())}
        support, threshold = int(truth.sum()), thresholds[head]
        print(f"{head:18} P={precision:.3f} R={recall:.3f} F1={f1:.3f} n={support} t={threshold}")
    return metrics


def save(
    weights: npt.NDArray[np.float64], biases: npt.NDArray[np.float64], meta: dict[str, object], out: Path
) -> None:
    rows = np.flatnonzero(np.abs(weights).max(axis=1) > 1e-4)
    np.savez_compressed(
        out,
        rows=rows.astype(np.int32),
        weights=weights[rows].astype(np.float16),
        bias=biases.astype(np.float32),
        meta=np.array(json.dumps(meta)),
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(rows)} non-zero buckets)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--l2", type=float, default=1e-5)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--max-fpr", type=float, default=0.003)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    train, heldout = split(load_examples())
    validation, test = split(heldout, SEED + 1, 0.5)
    print(f"train={len(train)} validation={len(validation)} test={len(test)}")
    weights, biases = fit(train, l2=args.l2, epochs=args.epochs)
    val_probs = predict(weights, biases, [e.text for e in validation])
    thresholds = tune_thresholds(val_probs, validation, args.max_fpr)
    metrics = report(predict(weights, biases, [e.text for e in test]), test, thresholds)
    meta = {
        "n_buckets": N_BUCKETS,
        "categories": list(HEADS),
        "seed": SEED,
        "thresholds": thresholds,
        "heldout_metrics": metrics,
        "l2": args.l2,
        "epochs": args.epochs,
    }
    save(weights, biases, meta, args.out)


if __name__ == "__main__":
    main()
