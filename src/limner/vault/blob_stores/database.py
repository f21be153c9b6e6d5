"""Blobs in the database: the default in cluster mode, so every replica reads what any replica wrote
without a shared volume. Each write is a transaction of its own (blobs go in before their records)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import LargeBinary, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from limner.db import Base, UTCDateTime, reading, utcnow
from limner.errors import NotFoundError, UnavailableError
from limner.vault.blob_stores.base import BlobInfo


class DatabaseBlobConfig(BaseModel):
    kind: Literal["database"] = "database"


class StoredBlob(Base):
    __tablename__ = "blobs"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # ciphertext only: the vault seals before put
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DatabaseBlobStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def put(self, key: str, data: bytes) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(StoredBlob, key)
            if row is None:
                session.add(StoredBlob(key=key, data=data, modified_at=utcnow()))
            else:
                row.data, row.modified_at = data, utcnow()

    async def get(self, key: str) -> bytes:
        async with reading(self._sessions) as session:
            data = await session.scalar(select(StoredBlob.data).where(StoredBlob.key == key))
        if data is None:
            raise NotFoundError("blob not found")
        return bytes(data)

    async def delete(self, key: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(StoredBlob).where(StoredBlob.key == key))

    async def keys(self) -> list[str]:
        async with reading(self._sessions) as session:
            return list((await session.scalars(select(StoredBlob.key).order_by(StoredBlob.key))).all())

    async def check(self) -> None:
        """One indexed read of at most one key: the table is there and the database answers."""
        try:
            async with reading(self._sessions) as session:
                await session.scalar(select(StoredBlob.key).limit(1))
        except Exception as exc:
            raise UnavailableError("The image store (the blobs table) is not reachable.") from exc

    async def entries(self) -> list[BlobInfo]:
        async with reading(self._sessions) as session:
            rows = await session.execute(
                select(StoredBlob.key, StoredBlob.modified_at).order_by(StoredBlob.key)
            )
            return [BlobInfo(key, modified) for key, modified in rows.all()]
