"""How the CLI reports errors: exit 1 for failures, 2 for usage errors; JSON on stderr with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
_JSON = ContextVar("limner_cli_json_errors", default=False)


@contextmanager
def json_errors(enabled: bool) -> Iterator[None]:
    token = _JSON.set(enabled)
    try:
        yield
    finally:
        _JSON.reset(token)


def report_error(message: str, code: int, *, usage: Any = None) -> NoReturn:
    """Print the error (JSON with --json) on stderr and exit with `code`."""
    if _JSON.get():
        kind = "usage_error" if code == EXIT_USAGE else "failed"
        body = {"error": {"message": message, "type": kind, "exit_code": code}}
        sys.stderr.write(json.dumps(body) + "\n")
    else:
        if usage is not None and code == EXIT_USAGE:
            sys.stderr.write(usage.get_usage() + "\n")
            sys.stderr.write(f"Try '{usage.command_path} --help' for help.\n\n")
        sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)
