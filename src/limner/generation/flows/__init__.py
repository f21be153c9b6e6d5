"""The pipeline on top of every domain: a request from authorisation to stored, audited images
(`prepare`, `run`, `images`, `streaming`), and what continues or replays it later: resuming after a
review (`resume`), the prompt replay behind a policy dry-run (`replay`), the crash clean-up
(`cleanup`) and downloads in another format or as a zip (`downloads`). Routes, jobs and CLI verbs call
these; they do not orchestrate."""

from limner.generation.flows.prepare import (
    Lineage,
    Opened,
    Prepared,
    TemplateOrigin,
    caller_warnings,
    check_text,
    prepare_generation,
)
from limner.generation.flows.run import run_generation, submit_generation

__all__ = [
    "Lineage",
    "Opened",
    "Prepared",
    "TemplateOrigin",
    "caller_warnings",
    "check_text",
    "prepare_generation",
    "run_generation",
    "submit_generation",
]
