"""The `limner` root command.

Subcommands load on first use, so `limner --help` and `limner --version` import nothing heavy (no
database drivers, web framework, password hashing or models). Exit codes: 0 success, 1 failure
(or "not ours" for verify), 2 usage error. With --json, errors are JSON on stderr."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from limner import __version__
from limner.cli.errors import EXIT_USAGE, json_errors, report_error

# name -> (module, attribute: a Typer app or a command function, one-line help for `limner --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("limner.cli.init", "init", "Create a new data dir. Refuses to touch an existing one."),
    "serve": ("limner.cli.serve", "serve", "Run the API server."),
    "scan": ("limner.cli.scan", "scan", "Run the policy engine over a JSONL prompt corpus."),
    "verify": ("limner.cli.verify", "verify", "Say whether an image came from this Limner."),
    "users": ("limner.cli.users", "app", "Manage users."),
    "keys": ("limner.cli.keys", "app", "Manage API keys."),
    "groups": ("limner.cli.groups", "app", "Manage groups (departments) and their roles."),
    "policy": ("limner.cli.policy", "app", "Manage the prompt policy."),
    "audit": ("limner.cli.audit", "app", "Verify, checkpoint, search and export the audit log."),
    "privacy": ("limner.cli.privacy", "app", "Retention, legal holds and data-subject requests."),
    "training": ("limner.cli.training", "app", "Acceptable-use training records."),
    "vault": ("limner.cli.vault", "app", "Encryption keys and blob housekeeping."),
    "db": ("limner.cli.db", "app", "Database schema."),
    "usage": (
        "limner.cli.usage",
        "usage_command",
        "Images, cost and policy outcomes by person, group, key or model.",
    ),
    "alerts": ("limner.cli.alerts", "app", "Suspicious-activity alerts."),
    "report": ("limner.cli.report", "report", "Write the compliance report (HTML with charts)."),
}


class LazyGroup(TyperGroup):
    """A group whose subcommands are imported when run, not when listed."""

    listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, short_help = COMMANDS[cmd_name]
        if self.listing:
            return TyperCommand(name=cmd_name, help=short_help)
        target = getattr(importlib.import_module(module), attribute)
        if not isinstance(target, typer.Typer):
            single = typer.Typer()
            single.command(cmd_name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = cmd_name
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None, *extra: Any, **kwargs: Any
    ) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(args, prog_name, *extra, **kwargs)
        argv = list(sys.argv[1:] if args is None else args)
        kwargs["standalone_mode"] = False
        with json_errors("--json" in argv):
            try:
                result = super().main(argv, prog_name, *extra, **kwargs)
            except typer.Abort:
                report_error("aborted", 1)
            except Exception as exc:
                if not hasattr(exc, "format_message") or not hasattr(exc, "exit_code"):
                    raise
                report_error(exc.format_message(), int(exc.exit_code), usage=getattr(exc, "ctx", None))
        sys.exit(result if isinstance(result, int) else 0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"limner {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LazyGroup,
    help="Limner: a safe, accountable gateway for image models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's import alone would double the start-up time
)


@app.callback()
def main(
    version: bool = typer.Option(  # noqa: ARG001 (handled by its eager callback)
        False, "--version", is_eager=True, callback=_version, help="Print the version and exit"
    ),
) -> None:
    """Limner: a safe, accountable gateway for image models."""
    # Everything Limner writes (database, keys, blobs, exports) is private to its user.
    os.umask(0o077)


__all__ = ["EXIT_USAGE", "app"]
