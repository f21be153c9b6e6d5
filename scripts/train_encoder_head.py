"""Train the harm model tier's head: logistic regression per category over sentence-encoder vectors.

Same public dev sets and the same deterministic split as scripts/train_moderation.py (which trains the
fast tier); writes src/limner/policy/data/harm/encoder_head.npz (plain arrays + JSON meta, no pickle).
Encoder vectors are cached under $TMPDIR/limner-embeddings, keyed by the text's sha256, so reruns and
the leave-one-dataset-out evaluation (bench/eval_lodo.py) do not encode twice.
Run: .venv/bin/python scripts/train_encoder_head.py   (part of `make train-moderation`)
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hate_sources import CHECKOUTS as HATE_CHECKOUTS
from hate_sources import SOURCE_HEADS, hate_examples
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from train_moderation import DEV, EVERYDAY_BENIGN, HEADS, SEED, Example, load_examples, split

from limner.policy.detectors.encoders import SentenceEncoder, UseEncoder, UseEncoderConfig
from limner.policy.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/limner/policy/data/harm/encoder_head.npz"
CACHE = Path(tempfile.gettempdir()) / "limner-embeddings"
# Public data beyond the dev sets in BENCHMARKS.md: fetched by hand (docs/prompt-models.md), never committed.
EXTRA = Path(os.environ.get("LIMNER_EVAL_EXTRA", ROOT / ".cache"))
PARTI = EXTRA / "parti" / "PartiPrompts.tsv"
MULTIJAIL = EXTRA / "multijail" / "data" / "MultiJail.csv"
XSTEST = EXTRA / "xstest" / "xstest_prompts.csv"
# MultiJail's tags (its authors', from Anthropic's red-team taxonomy) → heads; rows whose tags map to no
# head (misinformation, privacy, "unethical behaviour") are left out, neither positive nor negative.
MULTIJAIL_TAGS = {
    "Violence & incitement": ("harm.violence",),
    "Weapons": ("harm.violence",),
    "Animal abuse": ("harm.violence",),
    "Terrorism & organized crime": ("harm.violence", "harm.illegal"),
    "Discrimination & injustice": ("harm.hate",),
    "Hate speech & offensive language": ("harm.hate",),
    "Bullying & harassment": ("harm.harassment",),
    "Theft": ("harm.illegal",),
    "Property crime & vandalism": ("harm.illegal",),
    "Fraud & deception": ("harm.illegal",),
    "Substance abuse & banned substances": ("harm.illegal",),
    "Sexual exploitation & human trafficking": ("harm.sexual", "harm.illegal"),
    "Adult content": ("harm.sexual",),
    "Self-harm": ("harm.self_harm",),
}
MULTIJAIL_LANGUAGES = ("en", "zh", "it", "vi", "ar", "ko", "th", "bn", "sw", "jv")
# Ten translations of one request count as much as this many distinct prompts.
MULTIJAIL_WEIGHT = 0.3
Floats = npt.NDArray[np.float64]
# Validation false positives under-estimate unseen ones 2-5x (I2P low-risk, PartiPrompts), and the goal is
# <= 2 % on unseen benign prompts: so thresholds allow 0.5 % on the validation split's benign rows.
MAX_FPR = 0.005
L2, EPOCHS = 1e-4, 400


def embed(encoder: SentenceEncoder, texts: Sequence[str]) -> Floats:
    """Vectors of normalize(text, leet=True), as the detector sees them; cached per text."""
    CACHE.mkdir(parents=True, exist_ok=True)
    prepared = [normalize(t, leet=True).text for t in texts]
    keys = [hashlib.sha256(f"{encoder.name}\0{t}".encode()).hexdigest() for t in prepared]
    cache_file = CACHE / f"{encoder.name}.npz"
    cached: dict[str, npt.NDArray[np.float32]] = {}
    if cache_file.exists():
        with np.load(cache_file, allow_pickle=False) as data:
            cached = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    missing = sorted({k: t for k, t in zip(keys, prepared, strict=True) if k not in cached}.items())
    for start in range(0, len(missing), 256):
        chunk = missing[start : start + 256]
        vectors = encoder.encode([t for _, t in chunk])
        cached.update({k: v for (k, _), v in zip(chunk, vectors, strict=True)})
        print(f"encoded {start + len(chunk)}/{len(missing)}", flush=True)
    if missing:
        np.savez(cache_file, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
    return np.stack([cached[k] for k in keys]).astype(np.float64)


def head_mask(examples: Sequence[Example]) -> Floats:
    """1 where a row's labels speak for a head: everywhere, except that the hate-speech sets (annotated
    for hate and abuse only) say nothing of the other heads: neither positive nor negative there."""
    heads = [SOURCE_HEADS.get(e.source, HEADS) for e in examples]
    return np.array([[1.0 if head in row else 0.0 for head in HEADS] for row in heads])


def fit(
    x: Floats,
    labels: list[frozenset[str]],
    weights: Floats,
    *,
    l2: float,
    epochs: int,
    mask: Floats | None = None,
) -> tuple[Floats, Floats]:
    """Weighted, class-balanced logistic regression for every head at once, by full-batch Adam; `mask`
    (rows by heads, 0/1) leaves a row out of a head's loss."""
    y = np.array([[1.0 if head in lab else 0.0 for head in HEADS] for lab in labels])
    per_head = weights[:, None] * (np.ones_like(y) if mask is None else mask)
    pos = np.maximum((y * per_head).sum(axis=0), 1.0)
    neg = np.maximum(((1 - y) * per_head).sum(axis=0), 1.0)
    sample = per_head * np.where(y > 0, 0.5 / pos, 0.5 / neg)
    w, b = np.zeros((x.shape[1], len(HEADS))), np.zeros(len(HEADS))
    m, v, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, epochs + 1):
        residual = (1.0 / (1.0 + np.exp(-(x @ w + b))) - y) * sample
        grad, grad_b = x.T @ residual + l2 * w, residual.sum(axis=0)
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad**2
        mb, vb = 0.9 * mb + 0.1 * grad_b, 0.999 * vb + 0.001 * grad_b**2
        lr = 0.05 * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= lr * m / (np.sqrt(v) + 1e-8)
        b -= lr * mb / (np.sqrt(vb) + 1e-8)
    return w, b


def probabilities(x: Floats, w: Floats, b: Floats) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-(x @ w + b)))
    return result


def tune(probs: Floats, rows: list[Example], max_fpr: float) -> dict[str, float]:
    """Per head, the lowest threshold (≥ 0.5) whose false-positive rate is ≤ max_fpr on the benign prompts
    (image prompts and XSTest's requests) and, on their own, ≤ max_fpr on the benign code lines. Each set
    has its own budget: pooled, the many easy code lines would let more prompts through. Social-media text
    and hate-speech cases are neither (NOT_PROMPTS) and do not count."""
    budgets = [
        np.array([not e.labels and e.source not in NOT_PROMPTS for e in rows]),
        np.array([not e.labels and e.source == CODE_LINES for e in rows]),
    ]
    thresholds = {}
    for h, head in enumerate(HEADS):
        limit = 0.5
        for benign in budgets:
            scores = np.sort(probs[benign, h])[::-1]
            if len(scores):
                limit = max(limit, float(scores[int(np.floor(max_fpr * len(scores)))]) + 1e-3)
        thresholds[head] = round(limit, 3)
    return thresholds


def flagged(probs: Floats, thresholds: dict[str, float]) -> npt.NDArray[np.bool_]:
    limits = np.array([thresholds[h] for h in HEADS])
    result: npt.NDArray[np.bool_] = np.asarray((probs >= limits).any(axis=1), dtype=np.bool_)
    return result


def train_and_tune(
    examples: list[Example], x: Floats, *, l2: float, epochs: int, max_fpr: float
) -> tuple[Floats, Floats, dict[str, float]]:
    """Fit on a train split of `examples`, tune thresholds on the rest (split by group, fixed seed). One BLAS
    thread: a threaded matrix product may add its parts in another order each run, and the file must
    rebuild byte for byte."""
    index = {id(e): i for i, e in enumerate(examples)}
    train, validation = split(examples, SEED + 2, 0.25)
    rows = [index[id(e)] for e in train]
    weights = np.array([e.weight for e in train])
    val_rows = [index[id(e)] for e in validation]
    with threadpool_limits(limits=1):
        w, b = fit(x[rows], [e.labels for e in train], weights, l2=l2, epochs=epochs, mask=head_mask(train))
        val_probs = probabilities(x[val_rows], w, b)
    return w, b, tune(val_probs, validation, max_fpr)


def parti_examples() -> list[Example]:
    """PartiPrompts (Yu et al. 2022, Apache-2.0): 1,632 varied, realistic benign prompts, as negatives."""
    with _checkout(PARTI).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Example(r["Prompt"], frozenset(), "parti", f"parti:{i}") for i, r in enumerate(rows)]


# The pinned checkouts the head is trained from (docs/prompt-models.md): folder → (repository, commit).
CHECKOUTS = {
    "parti": ("google-research/parti", "5a657978134374ce28973948331b319adef164bd"),
    "multijail": ("DAMO-NLP-SG/multilingual-safety-for-LLMs", "577ac511437e07a256130945ef312a99158a18ad"),
    "xstest": ("paul-rottger/exaggerated-safety", "d7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d"),
    **HATE_CHECKOUTS,
}
# Social-media text and hate-speech test cases: training rows, but not prompts, so they do not set the
# prompts' false-positive budget; code lines (CODE_LINES) have a budget of their own (tune()).
NOT_PROMPTS = frozenset({"credsweeper", "mhc", "mlma", "germeval"})
CODE_LINES = "credsweeper"


def _checkout(path: Path) -> Path:
    """`path` if present; otherwise stop with the one-time checkout steps for its folder."""
    if not path.is_file():
        folder = path.relative_to(EXTRA).parts[0]
        repo, commit = CHECKOUTS[folder]
        raise SystemExit(
            f"{path} is missing; one-time checkout (docs/prompt-models.md):\n"
            f"  git clone https://github.com/{repo} {EXTRA / folder}\n"
            f"  git -C {EXTRA / folder} checkout {commit}"
        )
    return path


def multijail_examples() -> list[Example]:
    """MultiJail (Deng et al., ICLR 2024; MIT): 315 unsafe requests from Anthropic's red-team data and
    OpenAI's paper, translated by native speakers into nine languages (zh, it, vi, ar, ko, th, bn, sw, jv;
    not es/fr/de, so XSafety's languages stay unseen). Every translation of a row shares its group, so a
    request and its translations never straddle a split."""
    with _checkout(MULTIJAIL).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    examples = []
    for row in rows:
        tags = ast.literal_eval(row["tags"])
        labels = frozenset(h for tag in tags for h in MULTIJAIL_TAGS.get(tag, ()))
        if not labels:
            continue
        for lang in MULTIJAIL_LANGUAGES:
            text = row[lang].strip()
            if text:
                group = f"multijail:{row['id']}"
                examples.append(Example(text, labels, "multijail", group, MULTIJAIL_WEIGHT))
    return examples


def xstest_examples() -> list[Example]:
    """XSTest (Röttger et al., NAACL 2024; CC BY 4.0): its 250 safe prompts, written to look unsafe
    ("How can I kill a Python process?"), as chat-style negatives. Its unsafe contrast prompts carry no
    harm category, so they are not used."""
    with _checkout(XSTEST).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    safe = (r for r in rows if r["label"] == "safe")
    return [Example(r["prompt"].strip(), frozenset(), "xstest", f"xstest:{r['id']}") for r in safe]


def code_examples() -> list[Example]:
    """CredSweeper's sample lines (MIT): code and configuration, harmless to this tier, as negatives;
    prompts sometimes carry such text, which no image-prompt set has."""
    rows = (json.loads(line) for line in (DEV / "credsweeper_samples/credsweeper_lines.jsonl").open())
    return [
        Example(str(r["text"])[:300], frozenset(), CODE_LINES, str(r["id"]).rsplit("-L", 1)[0])
        for r in rows
        if len(str(r["text"]).strip()) > 3
    ]


def public_examples() -> list[Example]:
    """Third-party text only: the dev sets without the team's hand-written rows, plus PartiPrompts,
    code/configuration lines, MultiJail's multilingual unsafe requests, XSTest's safe look-alikes, and
    non-English hate speech and its contrasts (scripts/hate_sources.py)."""
    return [
        *(e for e in load_examples() if e.source != "extra"),
        *parti_examples(),
        *code_examples(),
        *multijail_examples(),
        *xstest_examples(),
        *hate_examples(EXTRA, _checkout),
    ]


def save(w: Floats, b: Floats, meta: dict[str, object], out: Path) -> None:
    np.savez_compressed(
        out, weights=w.astype(np.float32), bias=b.astype(np.float32), meta=np.array(json.dumps(meta))
    )
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--max-fpr", type=float, default=MAX_FPR)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    encoder = UseEncoder(UseEncoderConfig(threads=1))
    examples = public_examples()
    train, heldout = split(examples)
    x = embed(encoder, [e.text for e in train])
    w, b, thresholds = train_and_tune(train, x, l2=args.l2, epochs=args.epochs, max_fpr=args.max_fpr)
    test_x = embed(encoder, [e.text for e in heldout])
    with threadpool_limits(limits=1):
        hit = flagged(probabilities(test_x, w, b), thresholds)
    unsafe = np.array([bool(e.labels) for e in heldout])
    everyday = np.array([not e.labels and e.source in {*EVERYDAY_BENIGN, "parti"} for e in heldout])
    prompt = np.array([e.source not in NOT_PROMPTS for e in heldout])
    social = np.array([not e.labels and e.source in NOT_PROMPTS - {CODE_LINES} for e in heldout])
    code = np.array([not e.labels and e.source == CODE_LINES for e in heldout])
    metrics = {
        "heldout_any_recall": round(float(hit[unsafe].mean()), 4),
        "heldout_benign_fpr": round(float(hit[~unsafe & prompt].mean()), 4),
        "heldout_hate_set_negatives_fpr": round(float(hit[social].mean()), 4),
        "heldout_everyday_fpr": round(float(hit[everyday].mean()), 4),
        "heldout_code_line_fpr": round(float(hit[code].mean()), 4),
    }
    print(json.dumps(metrics))
    meta = {
        "encoder": encoder.name,
        "dim": encoder.dim,
        "categories": list(HEADS),
        "thresholds": thresholds,
        "seed": SEED,
        "l2": args.l2,
        "epochs": args.epochs,
        "max_fpr": args.max_fpr,
        "heldout_metrics": metrics,
    }
    save(w, b, meta, args.out)


if __name__ == "__main__":
    main()
