"""DLP evaluation: PII and secrets accuracy, benign false positives, evasions, latency, term scaling.

Run: .venv/bin/python bench/eval_dlp.py   (writes bench/results/dlp.md)
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EVAL_DIR, machine, summary, write_result
from eval_pii import EVASIONS, Tally, evade, gold_spans, load_records, score_record, table

from limner.policy.detectors.pii import PiiConfig, PiiDetector
from limner.policy.detectors.secrets import SecretsConfig, SecretsDetector
from limner.policy.detectors.terms import TermsConfig, TermsDetector
from limner.policy.normalize import normalize

DEV = EVAL_DIR
CREDSWEEPER = DEV / "credsweeper_samples" / "credsweeper_lines.jsonl"
BENIGN = [DEV / "geneval" / "geneval_prompts.jsonl", DEV / "t2i_compbench" / "t2i_compbench_val_sample.jsonl"]
# Real user prompts full of artists and celebrities: pii.person firing here is informational.
CELEBRITY_HEAVY = [DEV / "i2p" / "i2p.jsonl", DEV / "adversarial_nibbler" / "nibbler_submitted.jsonl"]
PROMPT_300 = (
    "A watercolor painting of a lighthouse on a rocky coast at dusk, seagulls circling, warm light "
    "from the windows, waves crashing below, in the style of a vintage travel poster. Send the result "
    "to maria.lopez@example.com or call +44 20 7946 0958; my colleague Ingrid Halvorsen approved it."
)


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def eval_pii(detector: PiiDetector) -> list[str]:
    records = load_records()
    plain = Tally()
    for record in records:
        text = str(record["text"])
        positive, ignored = gold_spans(text, record["spans"])  # type: ignore[arg-type]
        score_record(plain, positive, ignored, detector.detect(text))
    lines = ["### PII: presidio_synth_pii (span overlap)", "", *table(plain), ""]
    lines += ["### PII under evasion (positives rewritten; recall only)", ""]
    lines += ["| evasion | gold | recall (any category) | recall (right category) |", "|---|---|---|---|"]
    for name, rewrite in EVASIONS.items():
        tally = Tally()
        for record in records:
            positive, _ = gold_spans(str(record["text"]), record["spans"])  # type: ignore[arg-type]
            text, moved = evade(str(record["text"]), positive, rewrite)
            score_record(tally, moved, [], detector.detect(text))
        right = sum(tally.found[k] for k in tally.gold if k != "ALL") / max(1, tally.gold["ALL"])
        lines.append(
            f"| {name} | {tally.gold['ALL']} | {tally.found['ALL'] / tally.gold['ALL']:.3f} | {right:.3f} |"
        )
    return lines


def _by_file(rows: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    files: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        files[str(row["sample_file"])].append(row)
    return files


def _file_predictions(detector: SecretsDetector, rows: list[dict[str, object]]) -> dict[str, bool]:
    """Scan each sample file whole (as a pasted prompt would be) and mark the lines a finding touches."""
    flagged: dict[str, bool] = {}
    for file_rows in _by_file(rows).values():
        file_rows.sort(key=lambda r: int(str(r["line_num"])))
        text = "\n".join(str(r["text"]) for r in file_rows)
        findings = detector.detect(text)
        offset = 0
        for row in file_rows:
            end = offset + len(str(row["text"]))
            flagged[str(row["id"])] = any(f.start < end and offset < f.end for f in findings)
            offset = end + 1
    return flagged


def eval_secrets(detector: SecretsDetector) -> list[str]:
    rows = _jsonl(CREDSWEEPER)
    positives = sum(1 for r in rows if r["label"] == 1)
    negatives = len(rows) - positives
    modes = {
        "whole file (lines joined)": _file_predictions(detector, rows),
        "each line alone": {str(r["id"]): bool(detector.detect(str(r["text"]))) for r in rows},
    }
    lines = ["### Secrets: credsweeper_samples (line level)", ""]
    lines += ["| mode | recall | false-positive rate on label-0 lines |", "|---|---|---|"]
    for mode, flagged in modes.items():
        tp = sum(1 for r in rows if r["label"] == 1 and flagged[str(r["id"])])
        fp = sum(1 for r in rows if r["label"] == 0 and flagged[str(r["id"])])
        lines.append(
            f"| {mode} | {tp / positives:.3f} ({tp}/{positives}) | {fp / negatives:.3f} ({fp}/{negatives}) |"
        )
    return lines


def eval_benign(pii: PiiDetector, secrets: SecretsDetector) -> list[str]:
    lines = [
        "### Image prompts",
        "",
        "geneval and t2i_compbench should not fire at all. i2p and adversarial_nibbler are real",
        "prompts naming artists and celebrities: their pii.person count is informational.",
        "",
        "| file | prompts | pii fired | secrets fired |",
    ]
    lines.append("|---|---|---|---|")
    for path in BENIGN + CELEBRITY_HEAVY:
        prompts = [str(r["text"]) for r in _jsonl(path)]
        pii_hits = sum(1 for p in prompts if pii.detect(p))
        secret_hits = sum(1 for p in prompts if secrets.detect(p))
        lines.append(f"| {path.parent.name} | {len(prompts)} | {pii_hits} | {secret_hits} |")
    return lines


_FRESH = iter(range(10**9))


def _latency(detect: object, text: str, runs: int = 300) -> list[float]:
    timings = []
    for _ in range(runs):
        sample = f"{text} #{next(_FRESH)}"  # defeat normalize()'s cache: every prompt is new
        start = time.perf_counter()
        detect(sample)  # type: ignore[operator]
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def eval_latency(pii: PiiDetector, secrets: SecretsDetector, terms: TermsDetector) -> list[str]:
    lines = [f"### Latency, {len(PROMPT_300)}-char prompt, one thread", ""]
    for name, detect in (
        ("normalize", normalize),
        ("pii", pii.detect),
        ("secrets", secrets.detect),
        ("terms (defaults)", terms.detect),
    ):
        lines.append(f"- {name}: {summary(_latency(detect, PROMPT_300))}")
    return lines


def eval_term_scaling() -> list[str]:
    rng = random.Random(7)
    lines = ["### Terms: cost versus list size", "", "| terms | build ms | detect p50/p99 |", "|---|---|---|"]
    for size in (10, 1_000, 10_000, 50_000):
        terms = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) for _ in range(size)]
        start = time.perf_counter()
        detector = TermsDetector(TermsConfig(lists={"confidential.codename": terms}))
        build_ms = (time.perf_counter() - start) * 1000
        lines.append(f"| {size} | {build_ms:.0f} | {summary(_latency(detector.detect, PROMPT_300))} |")
    return lines


def main() -> None:
    build = time.perf_counter()
    pii = PiiDetector(PiiConfig())
    build_ms = (time.perf_counter() - build) * 1000
    secrets = SecretsDetector(SecretsConfig())
    terms = TermsDetector(TermsConfig())
    sections = [
        "## DLP detectors (pii, secrets, terms)",
        "",
        f"Machine: {machine()}. PII detector build (gazetteers): {build_ms:.0f} ms.",
        "",
        "Presidio mapping: PERSON, STREET_ADDRESS, CREDIT_CARD, US_SSN, EMAIL_ADDRESS, PHONE_NUMBER,",
        "IBAN_CODE, IP_ADDRESS and birth-context DATE_TIME are positives; ZIP_CODE, AGE,",
        "US_DRIVER_LICENSE and other DATE_TIME are ignored (a finding on them is neither right nor",
        "wrong); a finding on ORGANIZATION, GPE, TITLE, NRP or DOMAIN_NAME only is a false positive.",
        "Caveat: the PII set was generated with Faker names and the name gazetteer comes from Faker.",
        "",
        *eval_pii(pii),
        "",
        *eval_secrets(secrets),
        "",
        *eval_benign(pii, secrets),
        "",
        *eval_latency(pii, secrets, terms),
        "",
        *eval_term_scaling(),
    ]
    report = "\n".join(sections)
    print(report)
    print(f"\nwrote {write_result('dlp', report)}")


if __name__ == "__main__":
    main()
