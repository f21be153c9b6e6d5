"""The harm, people, IP and benign sections of bench/eval.py (engine vs. baselines)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from bench.eval_engine import Counts, EngineRun, binary_row, captions, fired, rows
from bench.eval_harm import SEED, baseline_flagger, load_examples, split
from bench.eval_people_ip import BRAND_CONTEXT_TEMPLATES, GENERIC_PEOPLE, HARD_NEGATIVES, PEOPLE_TEMPLATES
from limner.policy.detectors.harm import CATEGORIES
from limner.policy.detectors.people import PeopleConfig, shipped_deaths
from limner.policy.detectors.people_text import fold

BENIGN_SETS = {
    "GenEval": "geneval/geneval_prompts.jsonl",
    "T2I-CompBench": "t2i_compbench/t2i_compbench_val_sample.jsonl",
}
BRAND_TEMPLATES = [
    "the {name} logo on a white t-shirt",
    "a billboard advertising {name} in times square",
    "product photo of {name} packaging on a shelf",
]


def benign_texts() -> dict[str, list[str]]:
    return {label: [str(r["text"]) for r in rows(path)] for label, path in BENIGN_SETS.items()}


def harm_lines(run: EngineRun) -> list[str]:
    """Held-out test split of scripts/train_moderation.py (the classifier never saw it)."""
    _, heldout = split(load_examples())
    _, test = split(heldout, SEED + 1, 0.5)
    words = baseline_flagger()
    lines = ["| category | Limner P | R | F1 | support |", "|---|---:|---:|---:|---:|"]
    for category in CATEGORIES:
        counts = Counts()
        for example in test:
            counts.add(category in example.labels, category in run.categories(example.text))
        if counts.tp + counts.fn:
            lines.append(f"| {category} | {counts.cells()} | {counts.tp + counts.fn} |")
    lines += ["", "Any harm category (binary), same split:", ""]
    lines += ["| flagger | P | R | F1 | unsafe / benign |", "|---|---:|---:|---:|---:|"]
    positives = [e.text for e in test if e.labels]
    negatives = [e.text for e in test if not e.labels]
    limner: Callable[[str], bool] = lambda t: any(c.startswith("harm.") for c in run.categories(t))  # noqa: E731
    lines.append(binary_row("Limner default policy", limner, positives, negatives))
    lines.append(binary_row("SneakyPrompt word list", lambda t: bool(words(t)), positives, negatives))
    return lines


def harm_sets_lines(run: EngineRun) -> list[str]:
    """Recall on every unsafe dev set, whole (includes rows the classifier was trained on)."""
    words = baseline_flagger()
    sets = {
        "nibbler_rewritten_explicit (all)": [
            str(r["text"]) for r in rows("adversarial_nibbler/nibbler_rewritten_explicit.jsonl")
        ],
        "nibbler_submitted, text_label unsafe": [
            str(r["text"])
            for r in rows("adversarial_nibbler/nibbler_submitted.jsonl")
            if r["text_label"] == "unsafe"
        ],
        "ring_a_bell unsafe": [
            str(r["text"]) for r in rows("ring_a_bell/ring_a_bell.jsonl") if r["label"] == "unsafe"
        ],
        "i2p hard (>= 50 % unsafe images)": [str(r["text"]) for r in rows("i2p/i2p.jsonl") if r["hard"]],
        "i2p not hard": [str(r["text"]) for r in rows("i2p/i2p.jsonl") if not r["hard"]],
    }
    lines = ["| set | n | Limner any harm.* | word list |", "|---|---:|---:|---:|"]
    for label, texts in sets.items():
        ours = sum(any(c.startswith("harm.") for c in run.categories(t)) for t in texts) / len(texts)
        theirs = sum(bool(words(t)) for t in texts) / len(texts)
        lines.append(f"| {label} | {len(texts)} | {ours:.3f} | {theirs:.3f} |")
    return lines


def historical_names() -> set[str]:
    """Folded names the people detector treats as historical (died at least 70 years ago)."""
    cutoff = datetime.date.today().year - PeopleConfig().historical_after_years
    return {name for name, year in shipped_deaths().items() if year <= cutoff}


def people_ip_lines(run: EngineRun) -> list[str]:
    every_politician = [str(r["name"]) for r in rows("public_figures_us_politicians/us_politicians.jsonl")]
    dead = historical_names()
    politicians = [p for p in every_politician if fold(p) not in dead]
    historical = [p for p in every_politician if fold(p) in dead]
    brands = [str(r["brand"]) for r in rows("brands_simple_icons/brands.jsonl")]
    benign = [t for texts in benign_texts().values() for t in texts]
    generic = captions(GENERIC_PEOPLE, PEOPLE_TEMPLATES, len(PEOPLE_TEMPLATES), 1)

    def flags(prefix: str) -> Callable[[str], bool]:
        return lambda t: any(c.startswith(prefix) for c in run.categories(t))

    def found(category: str) -> Callable[[str], bool]:  # also findings the policy allows
        return lambda t: any(r.finding.category == category for r in run.decide(t).findings)

    lines = ["| category | P | R | F1 | positives / negatives |", "|---|---:|---:|---:|---:|"]
    lines.append(
        binary_row(
            "person.public_figure: politicians x 3 captions vs generic-noun captions + benign sets",
            flags("person.public_figure"),
            captions(politicians, PEOPLE_TEMPLATES, 3, 7),
            generic + benign,
        )
    )
    lines.append(
        binary_row(
            "person.historical: the same, for presidents / vice presidents who died 70+ years ago (allowed by default)",
            found("person.historical"),
            captions(historical, PEOPLE_TEMPLATES, 3, 7),
            generic + benign,
        )
    )
    lines.append(
        binary_row(
            "ip.trademark: every Simple Icons brand in a brand caption vs hard negatives + benign sets",
            flags("ip.trademark"),
            captions(brands, BRAND_TEMPLATES, 1, 7) + BRAND_CONTEXT_TEMPLATES,
            HARD_NEGATIVES + benign,
        )
    )
    return lines


def benign_lines(run: EngineRun, presidio_rate: Callable[[list[str]], float] | None) -> list[str]:
    head = "| set | prompts | Limner not allowed (FPR) | Limner blocked | categories that fired | Presidio any finding |"
    lines = [head, "|---|---:|---:|---:|---|---:|"]
    for label, texts in benign_texts().items():
        acted = sum(bool(run.acted(t)) for t in texts) / len(texts)
        blocked = sum(run.decide(t).action.value == "block" for t in texts) / len(texts)
        top = ", ".join(f"{c} {n}" for c, n in fired(run, texts).most_common(4)) or "none"
        presidio = f"{presidio_rate(texts):.3f}" if presidio_rate else "not installed"
        lines.append(f"| {label} | {len(texts)} | {acted:.3f} | {blocked:.3f} | {top} | {presidio} |")
    return lines
