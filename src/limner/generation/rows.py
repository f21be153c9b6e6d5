"""Rows built as ORM objects but written with Core: one INSERT (executemany) per table, no unit of work.

The hot path writes a generation and its images once and never changes them in the same transaction,
so the ORM's flush (change tracking, dependency sorting, per-row bookkeeping) costs more than the
statements. Values are those a flush would write: what was set on the object, plus each column's
Python-side default, which is set on the object too (as a flush does), so readers see the same values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import Base


def insert_values(obj: Base) -> dict[str, Any]:
    """The column values a flush would INSERT for `obj` (which must not be in a session)."""
    state = inspect(obj)
    values: dict[str, Any] = {}
    for prop in state.mapper.column_attrs:
        column = prop.columns[0]
        if prop.key in state.dict:
            value = state.dict[prop.key]
        elif column.default is not None and column.default.is_scalar:
            value = column.default.arg
        elif column.default is not None and column.default.is_callable:
            value = column.default.arg(None)
        else:  # no Python default: the database's default or NULL, as at a flush
            continue
        setattr(obj, prop.key, value)
        values[column.key] = value
    return values


async def insert_rows(session: AsyncSession, rows: Sequence[Base]) -> None:
    """INSERT `rows` (one model, in order) in the caller's transaction, one statement per shape."""
    if not rows:
        return
    table = inspect(type(rows[0])).local_table
    assert isinstance(table, Table)
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        values = insert_values(row)
        batches.setdefault(tuple(values), []).append(values)
    for batch in batches.values():
        await session.execute(insert(table), batch)
