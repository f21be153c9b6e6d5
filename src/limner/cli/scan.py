"""`limner scan`: run the policy engine over a JSONL prompt corpus, the same engine as the server."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.progress import Progress

from limner.cli.common import fail
from limner.errors import ConfigError
from limner.policy.engine import PolicyEngine
from limner.policy.schemas import Decision, PolicyContext
from limner.policy.service import default_policy_text, default_version


def scan(
    input_path: str = typer.Option(..., "--input", help='JSONL file of {"id", "text"}, or - for stdin'),
    output_path: str = typer.Option("-", "--output", help="JSONL output file, or - for stdout"),
    policy: Path | None = typer.Option(None, "--policy", help="Policy YAML; default: the shipped policy"),
) -> None:
    """Scan prompts as they stream in; bad lines are reported on stderr with their line number and
    the rest still run. A summary follows; the exit code is 1 when any line failed."""
    engine = _engine(policy)
    with _open_in(input_path) as source, _open_out(output_path) as sink:
        summary = asyncio.run(_scan_lines(engine, source, sink, show_progress=sys.stderr.isatty()))
    typer.echo(summary.text(), err=True)
    if summary.failed:
        raise typer.Exit(1)


@dataclass
class Summary:
    lines: int = 0
    failed: int = 0
    actions: Counter[str] = field(default_factory=Counter)

    def text(self) -> str:
        actions = ", ".join(f"{name} {count}" for name, count in sorted(self.actions.items())) or "none"
        return f"scanned {self.lines} line(s): {actions}; {self.failed} failed"


def _engine(policy: Path | None) -> PolicyEngine:
    from limner.policy.compile import compile_policy  # loads detector data: only when scanning

    try:
        if policy is None:
            return compile_policy(default_policy_text(), version=default_version())
        return compile_policy(policy.read_text(), version=f"file:{policy.name}")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read policy {policy}: {exc.__class__.__name__}")
    except ConfigError as exc:
        fail(exc.message)


async def _scan_lines(engine: PolicyEngine, source: TextIO, sink: TextIO, *, show_progress: bool) -> Summary:
    """One line at a time, so a corpus of any size streams through. Remote detectors, if the
    policy has any, run here as they do in the server."""
    summary = Summary()
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task("scanning", total=None)
        for number, line in enumerate(source, start=1):
            progress.update(task, completed=number)
            if not line.strip():
                continue
            summary.lines += 1
            try:
                item_id, text = _parse(line)
            except ValueError as exc:
                summary.failed += 1
                typer.echo(f"line {number}: {exc}", err=True)
                continue
            decision = await engine.decide_async(text, PolicyContext())
            summary.actions[decision.action.value] += 1
            sink.write(json.dumps(_result(item_id, decision)) + "\n")
    await engine.aclose()
    return summary


def _parse(line: str) -> tuple[Any, str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from exc
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise ValueError('expected an object with a string "text"')
    return item.get("id"), item["text"]


def _result(item_id: Any, decision: Decision) -> dict[str, Any]:
    findings = [
        {
            "category": r.finding.category,
            "detector": r.finding.detector,
            "start": r.finding.start,
            "end": r.finding.end,
            "score": round(r.finding.score, 4),
        }
        for r in decision.findings
    ]
    return {
        "id": item_id,
        "action": decision.action.value,
        "findings": findings,
        "redacted_text": decision.redacted_text,
    }


def _open_in(path: str) -> AbstractContextManager[TextIO]:
    if path == "-":
        return nullcontext(sys.stdin)
    try:
        return open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


def _open_out(path: str) -> AbstractContextManager[TextIO]:
    if path == "-":
        return nullcontext(sys.stdout)
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
