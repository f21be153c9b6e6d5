"""Shared CLI plumbing: the data dir option, settings, components, output and error handling."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from limner.components import Components, build_components
from limner.errors import LimnerError, NotFoundError
from limner.settings import Settings, load_settings

T = TypeVar("T")

DataDirOption = Annotated[
    Path,
    typer.Option("--data-dir", envvar="LIMNER_DATA_DIR", help="Limner's data directory", show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
DEFAULT_DATA_DIR = Path("data")


def settings_for(data_dir: Path) -> Settings:
    if not (data_dir / "config.toml").exists():
        fail(f"{data_dir} is not an initialised Limner data dir; run `limner init --data-dir {data_dir}`")
    try:
        return load_settings(data_dir)
    except ValidationError as exc:
        fail(f"invalid configuration: {exc}")


@asynccontextmanager
async def components_for(data_dir: Path) -> AsyncIterator[Components]:
    components = build_components(settings_for(data_dir))
    try:
        yield components
    finally:
        await components.aclose()


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run an async command; Limner errors become a readable message and exit code 2."""
    try:
        return asyncio.run(_call(coro_fn))
    except NotFoundError as exc:
        fail(exc.message)
    except LimnerError as exc:
        fail(exc.message)


async def _call(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return await coro_fn()


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def emit(payload: Any, *, as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        typer.echo(human)
