"""`python -m limner.cli`: the same as the `limner` command."""

from limner.cli.main import app

app()
