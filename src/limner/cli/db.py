"""`limner db`: schema migrations for cluster deployments (embedded mode migrates at init)."""

from __future__ import annotations

import typer

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, emit, run, settings_for
from limner.migrate import upgrade_async

app = typer.Typer(help="Database schema.", no_args_is_help=True)


# A callback keeps `db` a group: with its one command alone, Typer would run `upgrade` as `limner db`.
@app.callback()
def db() -> None:
    """Database schema."""


@app.command("upgrade")
def upgrade(
    revision: str = typer.Option("head", "--revision", help="Target revision"),
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
) -> None:
    """Apply migrations up to `revision` (Alembic); safe to run on every deploy."""
    url = settings_for(data_dir).database_url
    run(lambda: upgrade_async(url, revision))
    emit({"revision": revision}, as_json=False, human=f"database is at {revision}")
