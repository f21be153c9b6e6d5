"""Integration tests: the SQLite engine's one-hand-off cursor (limner.db) behaves as a DB-API cursor:
rows, row counts (conditional upserts rely on them), many-row inserts, errors and rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from limner.db import make_engine


async def test_rows_counts_many_and_errors(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)"))
            await conn.execute(
                text("INSERT INTO t (k, n) VALUES (:k, :n)"), [{"k": "a", "n": 1}, {"k": "b", "n": 2}]
            )
            upsert = text(
                "INSERT INTO t (k, n) VALUES (:k, :n) ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n "
                "WHERE t.n + excluded.n <= 3"
            )
            assert (await conn.execute(upsert, {"k": "a", "n": 2})).rowcount == 1
            assert (await conn.execute(upsert, {"k": "a", "n": 1})).rowcount == 0  # past the limit
            rows = (await conn.execute(text("SELECT k, n FROM t ORDER BY k"))).all()
        assert [tuple(r) for r in rows] == [("a", 3), ("b", 2)]
        async with engine.connect() as conn:
            await conn.begin()
            await conn.execute(text("INSERT INTO t (k, n) VALUES ('c', 1)"))
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (k, n) VALUES ('a', 1)"))
            await conn.rollback()
        async with engine.connect() as conn:  # the failed transaction left nothing
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
            assert (await conn.execute(text("SELECT n FROM t WHERE k = 'none'"))).first() is None
    finally:
        await engine.dispose()
