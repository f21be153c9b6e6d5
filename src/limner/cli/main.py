"""The `limner` root command."""

from __future__ import annotations

import os

import typer

from limner.cli import audit, db, groups, keys, policy, privacy, training, users, vault
from limner.cli.init import init
from limner.cli.scan import scan
from limner.cli.serve import serve
from limner.cli.verify import verify

app = typer.Typer(
    help="Limner: a safe, accountable gateway for image models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(init)
app.command("serve")(serve)
app.command("scan")(scan)
app.command("verify")(verify)
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(groups.app, name="groups")
app.add_typer(policy.app, name="policy")
app.add_typer(audit.app, name="audit")
app.add_typer(privacy.app, name="privacy")
app.add_typer(training.app, name="training")
app.add_typer(vault.app, name="vault")
app.add_typer(db.app, name="db")


@app.callback()
def main() -> None:
    """Limner: a safe, accountable gateway for image models."""
    # Everything Limner writes (database, keys, blobs, exports) is private to its user.
    os.umask(0o077)
