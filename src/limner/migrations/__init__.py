"""Alembic migrations, shipped inside the package so `limner init` and `limner db upgrade` find them."""
