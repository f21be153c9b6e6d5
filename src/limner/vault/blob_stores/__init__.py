"""Blob stores; `settings.vault.blob_store.kind` picks one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, assert_never

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.vault.blob_stores.base import BlobStore
from limner.vault.blob_stores.database import DatabaseBlobConfig, DatabaseBlobStore
from limner.vault.blob_stores.filesystem import FilesystemBlobConfig, FilesystemBlobStore
from limner.vault.blob_stores.memory import MemoryBlobConfig, MemoryBlobStore
from limner.vault.blob_stores.s3 import S3BlobConfig, S3BlobStore

BlobStoreConfig = Annotated[
    FilesystemBlobConfig | MemoryBlobConfig | DatabaseBlobConfig | S3BlobConfig, Field(discriminator="kind")
]


def build_blob_store(
    config: BlobStoreConfig, *, data_dir: Path, sessions: async_sessionmaker[AsyncSession]
) -> BlobStore:
    match config:
        case FilesystemBlobConfig():
            return FilesystemBlobStore(config.path or data_dir / "blobs")
        case MemoryBlobConfig():
            return MemoryBlobStore()
        case DatabaseBlobConfig():
            return DatabaseBlobStore(sessions)
        case S3BlobConfig():
            return S3BlobStore(config)
        case _:
            assert_never(config)


__all__ = ["BlobStore", "BlobStoreConfig", "build_blob_store"]
