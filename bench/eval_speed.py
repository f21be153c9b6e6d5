"""Speed of the full default policy: per-prompt latency on one core, per detector, and start-up time.

Used by bench/eval.py; run alone with `.venv/bin/python -m bench.eval_speed` (prints, writes nothing).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from bench._common import EVAL_DIR, ROOT, pct
from limner.policy.engine import PolicyEngine
from limner.policy.normalize import normalize
from limner.policy.schemas import PolicyContext

DEV = EVAL_DIR
PROMPT_CHARS = 300
# A prompt with an e-mail address, a phone number and a name: every DLP finder has work to do.
PII_PROMPT = (
    "A watercolor painting of a lighthouse on a rocky coast at dusk, seagulls circling, warm light "
    "from the windows, waves crashing below, in the style of a vintage travel poster. Send the result "
    "to maria.lopez@example.com or call +44 20 7946 0958; my colleague Ingrid Halvorsen approved it."
)
# The same harness on the tree before the speed work (2026-11-28, same machine, load average ~2).
BEFORE = (
    "Before the speed work (same harness and machine, p50 / p99 ms): engine 5.41 / 10.11, normalize "
    "1.77 / 3.63, pii 1.11 / 4.61, secrets 0.52 / 1.90, terms 0.05 / 0.10, harm 0.54 / 1.23, people "
    "0.59 / 1.29, ip 0.48 / 1.00; start-up 1.45 s."
)
_STARTUP = """
import json, time
started = time.perf_counter()
from limner.policy.compile import compile_policy
from limner.policy.service import default_policy_text, default_version
imported = time.perf_counter()
compile_policy(default_policy_text(), version=default_version())
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "compile_s": done - imported}))
"""


def pin_one_core() -> int:
    """Run this process (and so every measurement) on a single core; returns its number."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def distinct_prompts(count: int) -> list[str]:
    """`count` distinct ~300-character prompts: real dev-set prompts joined and cut, plus PII ones."""
    texts: list[str] = []
    for name in (
        "geneval/geneval_prompts.jsonl",
        "i2p/i2p.jsonl",
        "t2i_compbench/t2i_compbench_val_sample.jsonl",
    ):
        lines = (DEV / name).read_text(encoding="utf-8").splitlines()
        texts += [str(json.loads(line)["text"]).strip() for line in lines if line.strip()]
    prompts: list[str] = []
    cursor = 0
    while len(prompts) < count:
        if len(prompts) % 4 == 3:  # every fourth prompt carries personal data
            prompts.append(f"{PII_PROMPT[: PROMPT_CHARS - 6]} #{len(prompts):04d}")
            continue
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < PROMPT_CHARS:
            parts.append(texts[cursor % len(texts)])
            cursor += 1
        prompts.append(", ".join(parts)[:PROMPT_CHARS])
    return prompts


def _time_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _cpu_ms(call: Callable[[], object]) -> float:
    """CPU time of this thread: what the call costs, without waits for other processes."""
    started = time.thread_time()
    call()
    return (time.thread_time() - started) * 1000


def engine_latency(engine: PolicyEngine, prompts: list[str]) -> tuple[list[float], list[float]]:
    """decide() on each prompt once (wall ms, CPU ms); normalize()'s cache never holds a prompt before."""
    context = PolicyContext()
    for warm in prompts[:20]:  # first-call costs (lazy tables) are start-up, not latency
        engine.decide(warm + " warm-up", context)
    wall = [_time_ms(lambda p=p: engine.decide(p, context)) for p in prompts]  # type: ignore[misc]
    cpu = [_cpu_ms(lambda p=p: engine.decide(p + " ~", context)) for p in prompts]  # type: ignore[misc]
    return wall, cpu


def detector_latency(engine: PolicyEngine, prompts: list[str]) -> dict[str, list[float]]:
    """Per stage: normalize (both flavours, shared by all detectors), then each detector on a warm cache."""
    stages: dict[str, list[float]] = {"normalize (shared)": []}
    for prompt in prompts:
        text = prompt + " +"  # not yet in normalize()'s cache
        stages["normalize (shared)"].append(
            _time_ms(lambda t=text: (normalize(t), normalize(t, leet=True)))  # type: ignore[misc]
        )
        for detector in engine.detectors:
            timing = _time_ms(lambda d=detector, t=text: d.detect(t))  # type: ignore[misc]
            stages.setdefault(detector.name, []).append(timing)
    return stages


def startup_seconds(runs: int = 3) -> dict[str, float]:
    """compile_policy() of the default policy in fresh processes (median of `runs`), incl. imports."""
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True, cwd=ROOT
        )
        sample = json.loads(out.stdout.strip().splitlines()[-1])
        sample["process_s"] = time.perf_counter() - started
        samples.append(sample)
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def latency_row(label: str, timings: list[float]) -> str:
    return f"| {label} | {pct(timings, 50):.2f} | {pct(timings, 99):.2f} | {statistics.fmean(timings):.2f} |"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"Load average during the run: {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores."


def model_tier_lines(engine: PolicyEngine, prompts: list[str]) -> list[str]:
    """The harm model tier (`kind: harm_model`, one BLAS thread) on the same prompts and core."""
    from limner.policy.detectors.harm_tier import HarmModelConfig, HarmModelDetector

    started = time.perf_counter()
    tier = HarmModelDetector(HarmModelConfig())
    load_s = time.perf_counter() - started
    for warm in prompts[:20]:
        tier.detect(warm + " warm-up")
    context = PolicyContext()
    fast, model, both = [], [], []
    for prompt in prompts:  # CPU time: what each tier costs, whatever else the shared machine runs
        text = prompt + " *"
        fast.append(_cpu_ms(lambda t=text: engine.decide(t, context)))  # type: ignore[misc]
        model.append(_cpu_ms(lambda t=text: tier.detect(t)))  # type: ignore[misc]
        both.append(fast[-1] + model[-1])
    return [
        "| CPU time of the thread, same core | p50 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|",
        latency_row("fast tier: engine.decide(), default policy without harm_model", fast),
        latency_row("model tier: harm_model detect() (encoder + head)", model),
        latency_row("**fast + model tier**", both),
        "",
        f"Model tier load (hash check of its files, weights, tokenizer, head): {load_s:.2f} s. "
        f"Targets: fast <= 2 ms p50, fast + model <= 15 ms p50. Measured p50: fast {pct(fast, 50):.2f} ms, "
        f"fast + model {pct(both, 50):.2f} ms. In the server the tier runs on its own thread beside the fast "
        "tier, so on two cores a request waits max(fast, model), not the sum; x-limner-model-ms reports the wait.",
    ]


def speed_section(engine: PolicyEngine, count: int = 1000) -> list[str]:
    """`engine`: the fast tier (the default policy without harm_model); the model tier is timed after."""
    core = pin_one_core()
    prompts = distinct_prompts(count)
    total, cpu = engine_latency(engine, prompts)
    stages = detector_latency(engine, prompts)
    startup = startup_seconds()
    mean_chars = statistics.fmean(len(p) for p in prompts)
    lines = [
        f"{count} distinct prompts of {mean_chars:.0f} characters on average (dev-set prompts joined and cut",
        "to 300 characters; every fourth one carries an e-mail address, a phone number and a name),",
        f"one core (sched_setaffinity to core {core}), each prompt decided once (normalize()'s cache cold).",
        "",
        "| stage | p50 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|",
        latency_row("**engine.decide(), all detectors + rules** (wall clock)", total),
        latency_row("engine.decide(), CPU time of the thread", cpu),
        *(latency_row(name, timings) for name, timings in stages.items()),
        "",
        "Per-stage rows: normalize() of a new prompt (plain and leet, shared through its cache), then each",
        "detector on that prompt with the cache warm, as inside the engine (wall clock). The CPU-time row",
        "leaves out time the process waited for the core: the machine is shared with other jobs.",
        load_note(),
        "",
        f"Start-up, fresh process, median of 3: imports {startup['import_s']:.2f} s + compile_policy(default) "
        f"{startup['compile_s']:.2f} s = {startup['import_s'] + startup['compile_s']:.2f} s "
        f"(whole process incl. interpreter: {startup['process_s']:.2f} s).",
        "",
        BEFORE,
        "",
        f"Targets: p50 <= 2 ms, p99 <= 20 ms, start-up <= 2 s. Measured (wall): p50 {pct(total, 50):.2f} ms, "
        f"p99 {pct(total, 99):.2f} ms (CPU: p50 {pct(cpu, 50):.2f} ms, p99 {pct(cpu, 99):.2f} ms), "
        f"start-up {startup['import_s'] + startup['compile_s']:.2f} s.",
        "",
        *model_tier_lines(engine, prompts[:300]),
    ]
    return lines


def fast_tier_policy(text: str) -> str:
    """The policy without its model tier: the fast tier alone (the model tier is measured apart)."""
    return "".join(line for line in text.splitlines(keepends=True) if "kind: harm_model" not in line)


def main() -> None:
    from limner.policy.compile import compile_policy
    from limner.policy.service import default_policy_text, default_version

    engine = compile_policy(fast_tier_policy(default_policy_text()), version=default_version())
    print("\n".join(speed_section(engine)))


if __name__ == "__main__":
    main()
