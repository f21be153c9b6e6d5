"""Shared CLI plumbing: the data dir option, settings, components, output and error handling."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

import limner.models  # noqa: F401  (every table registered, so foreign keys resolve in any command)
from limner.audit.service import OPERATOR
from limner.cli.errors import EXIT_FAILURE, EXIT_USAGE, report_error
from limner.components import Components, build_components
from limner.db import reading
from limner.errors import InvalidRequestError, LimnerError
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


Work = Callable[[Components, AsyncSession], Awaitable[T]]


def in_transaction(data_dir: Path, work: Work[T]) -> T:
    """Run `work` in one transaction on the data dir, committed when it returns (see `run` for errors)."""

    async def go() -> T:
        async with components_for(data_dir) as c, c.sessions.begin() as session:
            return await work(c, session)

    return run(go)


def reading_from(data_dir: Path, work: Work[T]) -> T:
    """Run read-only `work` in a session that does not queue for SQLite's write lock."""

    async def go() -> T:
        async with components_for(data_dir) as c, reading(c.sessions) as session:
            return await work(c, session)

    return run(go)


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run an async command; Limner errors become a readable message and exit 1 (2 for bad arguments)."""
    token = OPERATOR.set(operator())
    try:
        return asyncio.run(_call(coro_fn))
    except InvalidRequestError as exc:  # the arguments were wrong: a usage error
        fail(exc.message, EXIT_USAGE)
    except LimnerError as exc:
        fail(exc.message)
    finally:
        OPERATOR.reset(token)


def operator() -> str:
    """The actor of CLI actions in the audit log: the OS user and host running the command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"cli:{user}@{socket.gethostname()}"[:64]


async def _call(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return await coro_fn()


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """A runtime failure (exit 1), or pass EXIT_USAGE for a wrong invocation."""
    report_error(message, code)


def usage_error(message: str) -> NoReturn:
    report_error(message, EXIT_USAGE)


def emit(payload: Any, *, as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        typer.echo(human)
