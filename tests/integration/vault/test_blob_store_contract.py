"""Integration tests: the BlobStore contract, run against every member of BlobStoreConfig (filesystem,
in-memory, database on SQLite and on PostgreSQL, S3 on moto's S3 server), each built through
`build_blob_store`. Readiness failures of the filesystem and S3 stores: over HTTP in test_readiness.py."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

from limner.db import make_engine, make_sessions, utcnow
from limner.errors import NotFoundError
from limner.vault.blob_stores import BlobStore, BlobStoreConfig, build_blob_store
from limner.vault.blob_stores.database import StoredBlob

CONFIGS = TypeAdapter[BlobStoreConfig](BlobStoreConfig)
KINDS = ["filesystem", "memory", "database", "s3"]
EVERY_BYTE = bytes(range(256)) * 4
BLOBS = StoredBlob.metadata.tables[StoredBlob.__tablename__]
A, B, C = "blob0000000a", "blob0000000b", "blob0000000c"


@pytest.fixture(params=[*KINDS, pytest.param("database-postgres", marks=pytest.mark.postgres)])
def kind_and_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Any], str]:
    kind: str = request.param
    if kind == "database-postgres":  # a fresh database, so `keys()` sees only this test's blobs
        return {"kind": "database"}, request.getfixturevalue("pg_fresh_database")
    fields = request.getfixturevalue("s3_config") if kind == "s3" else {"kind": kind}  # an empty bucket
    return fields, f"sqlite+aiosqlite:///{tmp_path / 'limner.db'}"


@pytest.fixture
async def store(kind_and_url: tuple[dict[str, Any], str], tmp_path: Path) -> AsyncIterator[BlobStore]:
    fields, url = kind_and_url
    engine = make_engine(url)
    async with engine.begin() as conn:  # the store's own table: the full schema takes seconds on PostgreSQL
        await conn.run_sync(StoredBlob.metadata.create_all, tables=[BLOBS])
    config = CONFIGS.validate_python(fields)
    try:
        yield build_blob_store(config, data_dir=tmp_path, sessions=make_sessions(engine))
    finally:
        await engine.dispose()


def _filesystem(tmp_path: Path, **fields: str) -> BlobStore:
    """A filesystem store; its sessions are never opened."""
    config = CONFIGS.validate_python({"kind": "filesystem", **fields})
    sessions = make_sessions(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"))
    return build_blob_store(config, data_dir=tmp_path, sessions=sessions)


def test_the_table_covers_every_kind_in_the_config_union() -> None:
    union = get_args(get_args(BlobStoreConfig)[0])
    assert sorted(member.model_fields["kind"].default for member in union) == sorted(KINDS)


@pytest.mark.parametrize("data", [EVERY_BYTE, b"", b"\x00"], ids=["every-byte", "empty", "nul"])
async def test_bytes_round_trip_exactly(store: BlobStore, data: bytes) -> None:
    await store.put(A, data)
    got = await store.get(A)
    assert type(got) is bytes
    assert got == data


async def test_a_second_put_replaces_the_blob_and_its_write_time(store: BlobStore) -> None:
    await store.put(A, b"first")
    (before,) = await store.entries()
    await store.put(A, b"second")
    (after,) = await store.entries()
    assert await store.get(A) == b"second"
    assert after.key == A
    assert after.modified_at >= before.modified_at


async def test_a_missing_blob_is_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFoundError):
        await store.get(A)


async def test_delete_removes_and_deleting_again_is_no_error(store: BlobStore) -> None:
    await store.put(A, b"x")
    await store.put(B, b"y")
    await store.delete(A)
    await store.delete(A)
    await store.delete(C)  # never written
    with pytest.raises(NotFoundError):
        await store.get(A)
    assert await store.get(B) == b"y"
    assert await store.keys() == [B]


async def test_keys_and_entries_list_every_blob_sorted_with_utc_write_times(store: BlobStore) -> None:
    assert await store.keys() == []
    assert await store.entries() == []
    started = utcnow() - timedelta(seconds=2)
    for key in (C, A, B):
        await store.put(key, key.encode())
    entries = await store.entries()
    assert await store.keys() == [e.key for e in entries] == [A, B, C]
    for entry in entries:
        assert entry.modified_at.utcoffset() == timedelta(0)
        assert started <= entry.modified_at <= utcnow() + timedelta(seconds=2)


async def test_a_usable_store_passes_its_readiness_check_before_and_after_writes(store: BlobStore) -> None:
    await store.check()  # raises UnavailableError when the store cannot be used
    await store.put(A, b"x")
    await store.check()
    assert await store.get(A) == b"x"


async def test_filesystem_blobs_are_private_files_written_atomically(tmp_path: Path) -> None:
    store = _filesystem(tmp_path, path=str(tmp_path / "b"))
    await store.put(A, b"x")
    path = tmp_path / "b" / A[:2] / A
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(tmp_path.glob("b/*/*.tmp"))


@pytest.mark.parametrize("key", ["../etc/passwd", "short", "UPPERCASE0001", "blob/000000001", ".hidden0001"])
async def test_filesystem_store_refuses_keys_it_did_not_mint(tmp_path: Path, key: str) -> None:
    store = _filesystem(tmp_path)
    for call in (store.put(key, b"x"), store.get(key), store.delete(key)):
        with pytest.raises(ValueError, match="invalid blob key"):
            await call
    assert not list((tmp_path / "blobs").iterdir())
