"""PII scoring helpers for bench/eval_dlp.py: span-level precision/recall on presidio's synthetic set."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench._common import EVAL_DIR
from limner.policy.schemas import Finding

PRESIDIO = EVAL_DIR / "presidio_synth_pii" / "synth_dataset_v2.jsonl"

# Presidio type -> our category. Types not listed are not personal data for us (ORGANIZATION,
# GPE, TITLE, NRP, DOMAIN_NAME): a finding on them is a false positive.
POSITIVE = {
    "PERSON": "pii.person",
    "STREET_ADDRESS": "pii.street_address",
    "CREDIT_CARD": "pii.payment_card",
    "US_SSN": "pii.national_id",
    "EMAIL_ADDRESS": "pii.email",
    "PHONE_NUMBER": "pii.phone",
    "IBAN_CODE": "pii.iban",
    "IP_ADDRESS": "pii.ip_address",
    "DATE_TIME": "pii.date_of_birth",  # only when a birth word is near, else ignored
}
# Neither rewarded nor punished: parts of an address, ages, other dates, driver licences.
IGNORED = {"ZIP_CODE", "AGE", "US_DRIVER_LICENSE", "DATE_TIME"}
_BIRTH = re.compile(r"birth|born|\bdob\b|birthday", re.IGNORECASE)

Span = tuple[int, int, str]  # start, end, presidio type or our category


@dataclass
class Tally:
    gold: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)


def load_records() -> list[dict[str, object]]:
    return [json.loads(line) for line in PRESIDIO.read_text().splitlines() if line.strip()]


def gold_spans(text: str, spans: list[dict[str, object]]) -> tuple[list[Span], list[Span]]:
    """(positive spans, ignored spans) of a record."""
    positive: list[Span] = []
    ignored: list[Span] = []
    for span in spans:
        start, end, kind = int(str(span["start"])), int(str(span["end"])), str(span["entity_type"])
        birth = kind == "DATE_TIME" and _BIRTH.search(text[max(0, start - 40) : end + 20])
        if kind in POSITIVE and (kind != "DATE_TIME" or birth):
            positive.append((start, end, kind))
        elif kind in IGNORED:
            ignored.append((start, end, kind))
    return positive, ignored


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_record(tally: Tally, positive: list[Span], ignored: list[Span], found: list[Finding]) -> None:
    for start, end, kind in positive:
        tally.gold[kind] += 1
        tally.gold["ALL"] += 1
        hits = [f for f in found if _overlaps((f.start, f.end), (start, end))]
        tally.found["ALL"] += bool(hits)
        tally.found[kind] += any(f.category == POSITIVE[kind] for f in hits)
    for finding in found:
        span = (finding.start, finding.end)
        matched = [kind for s, e, kind in positive if _overlaps(span, (s, e))]
        if not matched and any(_overlaps(span, (s, e)) for s, e, _ in ignored):
            continue
        tally.predicted[finding.category] += 1
        tally.predicted["ALL"] += 1
        tally.correct["ALL"] += bool(matched)
        tally.correct[finding.category] += any(POSITIVE[k] == finding.category for k in matched)


def _zero_width(value: str) -> str:
    return "\u200d".join(value)


_LOOKALIKE = str.maketrans(
    "aceopxiyACEOPXHKMT",
    "\u0430\u0441\u0435\u043e\u0440\u0445\u0456\u0443\u0410\u0421\u0415\u041e\u0420\u0425\u041d\u041a\u041c\u0422",
)


def _lookalike(value: str) -> str:
    return value.translate(_LOOKALIKE)


def _spaced(value: str) -> str:
    return "  ".join(" ".join(word) for word in value.split())


EVASIONS: dict[str, Callable[[str], str]] = {
    "zero_width": _zero_width,
    "lookalike": _lookalike,
    "spaced": _spaced,
}


def evade(text: str, positive: list[Span], rewrite: Callable[[str], str]) -> tuple[str, list[Span]]:
    """Rewrite each positive span of `text`, returning the new text and the moved spans."""
    out: list[str] = []
    moved: list[Span] = []
    cursor = 0
    for start, end, kind in sorted(positive):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        new_start = sum(len(p) for p in out)
        value = rewrite(text[start:end])
        out.append(value)
        moved.append((new_start, new_start + len(value), kind))
        cursor = end
    out.append(text[cursor:])
    return "".join(out), moved


def table(tally: Tally) -> list[str]:
    lines = ["| type | gold | recall | category | predicted | precision |", "|---|---|---|---|---|---|"]
    for kind in [*POSITIVE, "ALL"]:
        category = POSITIVE.get(kind, "ALL")
        recall = tally.found[kind] / tally.gold[kind] if tally.gold[kind] else float("nan")
        precision = (
            tally.correct[category] / tally.predicted[category] if tally.predicted[category] else float("nan")
        )
        lines.append(
            f"| {kind} | {tally.gold[kind]} | {recall:.3f} | {category} | "
            f"{tally.predicted[category]} | {precision:.3f} |"
        )
    return lines
