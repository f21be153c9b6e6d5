"""Unit tests: the docs stay inside the repository and true to the code.

Every link in README.md, BENCHMARKS.md and docs/ resolves to a file (and heading) in the repository, nothing
points at a folder a clone does not have, every `limner ...` command the docs show exists with the options
they give it, and the SCIM documentationUri names a page that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from limner.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "BENCHMARKS.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"\.\./shared|/work/|shared/(?:eval|reference)/")
CODE_SPAN = re.compile(r"`(limner [^`]+)`")
CONSOLE_LINE = re.compile(r"^\$ (limner .+?)(?:\s+#.*)?$", re.MULTILINE)
SCIM_DOC_URI = re.compile(r'"documentationUri":\s*"[^"]*/blob/main/([^"]+)"')


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def broken_link(doc: Path, target: str) -> str | None:
    """Why `target` (as written in `doc`) is broken, or None when it resolves inside the repository."""
    if re.match(r"[a-z]+:", target):
        return None  # https:, mailto:: outside links are fine
    path_part, _, fragment = target.partition("#")
    resolved = (doc.parent / path_part).resolve() if path_part else doc
    if not resolved.is_relative_to(ROOT):
        return "points outside the repository"
    if not resolved.exists():
        return "no such file"
    if fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
        return f"no heading #{fragment}"
    return None


def test_the_docs_are_found() -> None:
    names = {_rel(d) for d in DOCS}
    assert {"README.md", "BENCHMARKS.md", "docs/architecture.md", "docs/admin-api.md"} <= names
    assert {"docs/operations.md", "docs/THREATS.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_every_link_resolves_inside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = {t: why for t in LINK.findall(text) if (why := broken_link(doc, t))}
    assert broken == {}


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_no_doc_names_a_path_outside_the_repository(doc: Path) -> None:
    assert OUTSIDE.findall(doc.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("doc", "target", "why"),
    [
        ("README.md", "../shared/ARCHITECTURE.md", "points outside the repository"),
        ("README.md", "docs/nowhere.md", "no such file"),
        ("README.md", "docs/operations.md#no-such-heading", "no heading #no-such-heading"),
        ("README.md", "docs/operations.md#webhooks", None),
        ("docs/architecture.md", "operations.md", None),
        ("docs/architecture.md", "https://example.com/x", None),
    ],
)
def test_link_checker_tells_broken_links_from_good_ones(doc: str, target: str, why: str | None) -> None:
    assert broken_link(ROOT / doc, target) == why


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Cluster mode", "cluster-mode"),
        ("Threats → mitigation → test", "threats--mitigation--test"),
        ("SCIM", "scim"),
    ],
)
def test_slug_follows_github(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_scim_documentation_uri_names_a_page_in_the_repository() -> None:
    uris = [
        m for f in (ROOT / "src/limner").rglob("*.py") for m in SCIM_DOC_URI.findall(f.read_text("utf-8"))
    ]
    assert uris, "no documentationUri found in src/limner"
    for uri in uris:
        path, _, fragment = uri.partition("#")
        assert (ROOT / path).is_file(), uri
        assert not fragment or fragment in anchors(ROOT / path), uri


def _commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        found += [(_rel(doc), m) for m in CODE_SPAN.findall(text) + CONSOLE_LINE.findall(text)]
    return found


def _words(command: str) -> list[str]:
    return command.replace("\\|", "|").split()[1:]


def unknown_parts(command: str) -> list[str]:
    """The verbs and options of a documented `limner ...` command that the CLI does not have."""
    current = typer.main.get_command(app)
    missing: list[str] = []
    previous = ""
    for word in _words(command):
        bare = word.strip("[]()")
        verb_like = re.fullmatch(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*", bare) is not None
        if verb_like and not isinstance(current, TyperGroup) and not previous.startswith("--"):
            if not any(p.param_type_name == "argument" for p in current.params):
                missing.append(bare)  # a verb under a command that has none (and takes no argument)
        elif isinstance(current, TyperGroup) and verb_like:
            verbs = [current.get_command(typer.Context(current), name) for name in bare.split("|")]
            missing += [name for name, verb in zip(bare.split("|"), verbs, strict=True) if verb is None]
            current = next((v for v in verbs if v is not None), current)
            if any(v is None for v in verbs):
                break
        elif bare.startswith("--"):
            opts = {o for p in current.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
            missing += [
                o for o in (x.split("=")[0] for x in bare.split("|")) if o.startswith("--") and o not in opts
            ]
        previous = bare
    return missing


@pytest.mark.parametrize(("doc", "command"), _commands(), ids=lambda v: str(v)[:60])
def test_every_documented_command_exists(doc: str, command: str) -> None:
    assert unknown_parts(command) == [], f"{doc}: {command}"


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        ("limner db upgrade --revision head", []),
        ("limner vault rotate --json", []),
        ("limner users suspend\\|activate\\|set-roles", []),
        ("limner vault spin", ["spin"]),
        ("limner serve --threads 4", ["--threads"]),
        ("limner report upgrade", ["upgrade"]),
        ("limner usage --by user", []),
    ],
)
def test_command_checker_finds_unknown_verbs_and_options(command: str, missing: list[str]) -> None:
    assert unknown_parts(command) == missing
