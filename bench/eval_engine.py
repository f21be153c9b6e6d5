"""Accuracy of the whole default policy (engine.decide) on every public dev set, for bench/eval.py.

A prompt "flags" a category when the decision holds a finding of that category whose rule action is
not `allow` (so rule thresholds apply, and ip.artist_style, allowed by default, never counts).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench._common import EVAL_DIR
from bench.eval_pii import POSITIVE, Tally, gold_spans, load_records, score_record
from limner.imaging.actions import Action
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import Decision, Finding, PolicyContext

DEV = EVAL_DIR
Detect = Callable[[str], list[Finding]]
_CONTEXT = PolicyContext()


@dataclass
class Counts:
    """Binary confusion counts."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth:
            self.tp, self.fn = self.tp + predicted, self.fn + (not predicted)
        else:
            self.fp, self.tn = self.fp + predicted, self.tn + (not predicted)

    def cells(self) -> str:
        """'P | R | F1' with 3 decimals."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return f"{precision:.3f} | {recall:.3f} | {f1:.3f}"


def rows(name: str) -> list[dict[str, object]]:
    lines = (DEV / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class EngineRun:
    """Runs the engine, caching decisions (several sections score the same prompt)."""

    def __init__(self, engine: PolicyEngine) -> None:
        self.engine = engine
        self._decisions: dict[str, Decision] = {}
        self.prompts = 0

    def decide(self, text: str) -> Decision:
        if text not in self._decisions:
            self._decisions[text] = self.engine.decide(text, _CONTEXT)
            self.prompts += 1
        return self._decisions[text]

    def acted(self, text: str) -> list[Finding]:
        return [r.finding for r in self.decide(text).findings if r.action is not Action.ALLOW]

    def categories(self, text: str) -> set[str]:
        return {f.category for f in self.acted(text)}

    def pii_findings(self, text: str) -> list[Finding]:
        """Acted pii.* findings, with person.* (a recognised public figure) counted as pii.person."""
        out = []
        for finding in self.acted(text):
            if finding.category.startswith("person."):
                finding = Finding(finding.detector, "pii.person", finding.start, finding.end, finding.score)
            if finding.category.startswith("pii."):
                out.append(finding)
        return out


def pii_tally(detect: Detect) -> Tally:
    tally = Tally()
    for record in load_records():
        text = str(record["text"])
        positive, ignored = gold_spans(text, record["spans"])  # type: ignore[arg-type]
        score_record(tally, positive, ignored, detect(text))
    return tally


def _prf(tally: Tally, kind: str) -> str:
    category = POSITIVE.get(kind, "ALL")
    recall = tally.found[kind] / tally.gold[kind] if tally.gold[kind] else float("nan")
    predicted = tally.predicted[category]
    precision = tally.correct[category] / predicted if predicted else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"{precision:.3f} | {recall:.3f} | {f1:.3f}"


def pii_table(columns: dict[str, Tally]) -> list[str]:
    names = list(columns)
    head = "| Presidio type | our category | gold | " + " | ".join(f"{n} P | {n} R | {n} F1" for n in names)
    lines = [head + " |", "|---|---|---:|" + "---:|---:|---:|" * len(names)]
    first = columns[names[0]]
    for kind in [k for k in [*POSITIVE, "ALL"] if first.gold[k]]:  # types absent from the data: no row
        cells = " | ".join(_prf(columns[n], kind) for n in names)
        lines.append(f"| {kind} | {POSITIVE.get(kind, 'any')} | {first.gold[kind]} | {cells} |")
    return lines


def secrets_lines(run: EngineRun) -> list[str]:
    """CredSweeper samples, each line alone as a prompt: flagged = an acted secret.* finding."""
    counts = Counts()
    for row in rows("credsweeper_samples/credsweeper_lines.jsonl"):
        flagged = any(c.startswith("secret.") for c in run.categories(str(row["text"])))
        counts.add(row["label"] == 1, flagged)
    fpr = counts.fp / (counts.fp + counts.tn)
    return [
        "| set | P | R | F1 | FPR on label-0 lines | positives / negatives |",
        "|---|---:|---:|---:|---:|---:|",
        f"| credsweeper_samples, each line a prompt | {counts.cells()} | {fpr:.3f} | "
        f"{counts.tp + counts.fn} / {counts.fp + counts.tn} |",
    ]


def captions(names: Iterable[str], templates: list[str], per_name: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [t.format(name=n) for n in names for t in rng.sample(templates, per_name)]


def binary_row(
    label: str, run_flag: Callable[[str], bool], positives: list[str], negatives: list[str]
) -> str:
    counts = Counts()
    for text in positives:
        counts.add(True, run_flag(text))
    for text in negatives:
        counts.add(False, run_flag(text))
    return f"| {label} | {counts.cells()} | {len(positives)} / {len(negatives)} |"


def fired(run: EngineRun, texts: list[str]) -> Counter[str]:
    """How many of `texts` flag each category."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(run.categories(text))
    return counter
