"""Merge bench/results/*.md into BENCHMARKS.md (run by `make bench` after every benchmark)."""

from __future__ import annotations

from bench._common import RESULTS, ROOT, machine

ORDER = [
    "overhead",
    "overhead_analysis",
    "image_stages",
    "load",
    "scale_analysis",
    "dlp",
    "harm",
    "people_ip",
    "eval",
    "harm_thresholds_analysis",
    "ner",
    "provenance",
    "moderation",
    "audit",
    "monitoring",
    "coach",
    "ui_speed",
]
HEADER = """# Benchmarks

Numbers measured by the scripts in `bench/` (`make bench` reruns them all and rewrites this file; `make eval`
reruns the detector evaluation). Each section says what was measured, how, and on what machine. Nothing here is
asserted by the test suite: speed is measured, not asserted.

Evaluation data: public, labelled third-party datasets, kept outside the repository (I2P, MIT; Adversarial Nibbler,
CC BY 4.0, MLCommons/Google; Ring-A-Bell, MIT; GenEval, MIT; T2I-CompBench, MIT; presidio-research synthetic PII,
MIT; CredSweeper samples, MIT; congress-legislators, CC0; Simple Icons brand names, CC0; SneakyPrompt word list, MIT).
Their SOURCE.md files give origin, license and caveats.
"""


def main() -> None:
    sections = {path.stem: path.read_text() for path in RESULTS.glob("*.md")}
    names = [n for n in ORDER if n in sections] + sorted(n for n in sections if n not in ORDER)
    body = "\n\n".join(sections[name].rstrip() for name in names)
    (ROOT / "BENCHMARKS.md").write_text(f"{HEADER}\nLast collected on: {machine()}.\n\n{body}\n")
    print(f"BENCHMARKS.md: {len(names)} section(s): {', '.join(names)}")


if __name__ == "__main__":
    main()
