"""Rows built as ORM objects but written with Core: one INSERT (executemany) per table, no unit of work.

The hot path writes a generation and its images once and never changes them in the same transaction,
so the ORM's flush (change tracking, dependency sorting, per-row bookkeeping) costs more than the
statements. Values are those a flush would write: what was set on the object, plus each column's
Python-side default, which is set on the object too (as a flush does), so readers see the same values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from limner.db import SEND_LATER, Base


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


@dataclass(frozen=True, slots=True)
class Inserts:
    """Rows of one model as INSERT parameters, one batch per shape (set of columns), made before the
    write transaction so that the writer's turn holds only the statements."""

    table: Table
    batches: tuple[list[dict[str, Any]], ...]


def inserts_for(rows: Sequence[Base]) -> Inserts | None:
    """The INSERT parameters for `rows` (one model, in order); None for no rows."""
    if not rows:
        return None
    table = inspect(type(rows[0])).local_table
    assert isinstance(table, Table)
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        values = insert_values(row)
        batches.setdefault(tuple(values), []).append(values)
    return Inserts(table, tuple(batches.values()))


async def insert_rows(session: AsyncSession, rows: Sequence[Base] | Inserts | None) -> None:
    """INSERT `rows` (one model, in order; or their `inserts_for`) in the caller's transaction, one
    statement per shape, sent with the transaction's next statement or its commit (SEND_LATER)."""
    inserts = rows if isinstance(rows, Inserts) or rows is None else inserts_for(rows)
    if inserts is None:
        return
    for batch in inserts.batches:
        await session.execute(insert(inserts.table), batch, execution_options=SEND_LATER)
