"""Evaluate the harm detector on the held-out public dev split; print numbers and write bench/results/harm.md.

Run: .venv/bin/python bench/eval_harm.py   (after scripts/train_moderation.py)
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from train_moderation import DEV, SEED, Example, load_examples, split  # noqa: E402

from limner.policy.detectors.harm import CATEGORIES, HarmConfig, HarmDetector  # noqa: E402

MULTILINGUAL = ROOT / "tests/unit/policy/detectors/harm_multilingual.jsonl"
RESULTS = ROOT / "bench/results/harm.md"
EXPLICIT_SOURCES = ("nibbler_rewritten", "ring_a_bell_contrastive_pair", "i2p")
ZERO_WIDTH = "\u200b"
LOOKALIKES = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і"})
LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})

Flagger = Callable[[str], set[str]]


def _per_word(text: str, change: Callable[[str], str]) -> str:
    return " ".join(change(w) if len(w) > 3 else w for w in text.split(" "))


EVASIONS: dict[str, Callable[[str], str]] = {
    "zero-width joins": lambda t: _per_word(t, ZERO_WIDTH.join),
    "look-alike letters": lambda t: t.translate(LOOKALIKES),
    "spaced-out letters": lambda t: _per_word(t, lambda w: " ".join(w)),
    "dotted letters": lambda t: _per_word(t, lambda w: ".".join(w)),
    "leetspeak": lambda t: _per_word(t, lambda w: w[0] + w[1:].translate(LEET)),
}


def baseline_flagger() -> Flagger:
    """The SneakyPrompt NSFW word list matched with word boundaries on lowercased text."""
    words = (DEV / "sneakyprompt_nsfw_wordlist/nsfw_words.txt").read_text("utf-8").split("\n")
    terms = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)")
    return lambda text: {"harm.any"} if pattern.search(text.lower()) else set()


def detector_flagger(detector: HarmDetector) -> Flagger:
    return lambda text: {f.category for f in detector.detect(text)}


def rate(flag: Flagger, texts: list[str]) -> float:
    return sum(bool(flag(t)) for t in texts) / max(len(texts), 1)


def category_table(flag: Flagger, test: list[Example]) -> list[str]:
    lines = ["| category | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    predictions = [flag(e.text) for e in test]
    for category in CATEGORIES:
        truth = [category in e.labels for e in test]
        if not any(truth):
            continue
        predicted = [category in p for p in predictions]
        tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
        precision, recall = tp / max(sum(predicted), 1), tp / sum(truth)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        lines.append(f"| {category} | {precision:.3f} | {recall:.3f} | {f1:.3f} | {sum(truth)} |")
    return lines


def rates_table(rows: dict[str, list[str]], flaggers: dict[str, Flagger], what: str) -> list[str]:
    names = list(flaggers)
    lines = [f"| {what} | n | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for label, texts in rows.items():
        cells = " | ".join(f"{rate(flaggers[n], texts):.3f}" for n in names)
        lines.append(f"| {label} | {len(texts)} | {cells} |")
    return lines


def latency(detector: HarmDetector) -> tuple[float, float]:
    base = "a cinematic photo of a woman walking her dog along a rainy street at night, neon signs, "
    texts = [(base * 4)[:290] + f" shot {i:05d}" for i in range(2000)]
    timings = []
    for text in texts:  # distinct texts, so normalize's cache never helps
        start = time.perf_counter()
        detector.detect(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def multilingual_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in MULTILINGUAL.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.setdefault(f"multilingual {row['lang']}", []).append(row["text"])
    return rows


def main() -> None:
    started = time.perf_counter()
    detector = HarmDetector(HarmConfig())
    load_s = time.perf_counter() - started
    train, heldout = split(load_examples())
    _, test = split(heldout, SEED + 1, 0.5)
    flaggers = {
        "limner harm": detector_flagger(detector),
        "lexicon only": detector_flagger(HarmDetector(HarmConfig(use_classifier=False))),
        "word-list baseline": baseline_flagger(),
    }
    explicit = [e for e in test if e.labels and e.source in EXPLICIT_SOURCES]
    unsafe = {f"held-out unsafe: {s}": [e.text for e in test if e.labels and e.source == s]
              for s in sorted({e.source for e in test if e.labels})}
    unsafe["held-out explicit unsafe (all above except token soup, nibbler_unsafe)"] = [e.text for e in explicit]
    benign = {f"held-out benign: {s}": [e.text for e in test if not e.labels and e.source == s]
              for s in sorted({e.source for e in test if not e.labels})}
    everyday = [e.text for e in train + heldout if not e.labels and e.source in ("geneval", "t2i_compbench", "ring_a_bell_safe")]
    benign["all everyday benign (incl. training rows)"] = everyday
    evasions = {name: [change(e.text) for e in explicit] for name, change in EVASIONS.items()}
    p50, p99 = latency(detector)
    report = [
        "## harm", "",
        f"Held-out test split: {len(test)} rows (seed {SEED}); thresholds tuned on a separate validation split.",
        f"Detector construction {load_s * 1000:.0f} ms; detect() on a 300-char prompt p50 {p50:.3f} ms, p99 {p99:.3f} ms "
        "(includes normalize(text, leet=True)).", "",
        "### Per category, held-out test split (labels from dataset keywords, see SOURCES.md)", "",
        *category_table(flaggers["limner harm"], test), "",
        "### Recall on unsafe prompts", "", *rates_table(unsafe, flaggers, "set"), "",
        "### False-positive rate on benign prompts", "", *rates_table(benign, flaggers, "set"), "",
        "### Evasion recall (held-out explicit unsafe, rewritten)", "", *rates_table(evasions, flaggers, "rewrite"), "",
        "### Multilingual recall (hand-translated explicit prompts)", "",
        *rates_table(multilingual_rows(), flaggers, "language"), "",
    ]
    text = "\n".join(report)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
