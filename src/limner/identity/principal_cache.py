"""API-key principals cached in memory, revoked at once on every replica.

Any committed change to a user, key, group or membership bumps one counter row in the database in the
same transaction (an ORM flush listener, so no write path can forget it). A request reads that counter
(one small read, no write lock) and uses its cached principal only while the counter is unchanged: a
key revoked, a user suspended or a role removed on any process or replica fails the very next request.
A cached entry is also dropped after `TTL_S`, so a key's last-use time keeps its minute precision."""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, event, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from limner.db import Base, utcnow
from limner.identity.accounts.models import Group, GroupMember, User
from limner.identity.keys import tokens
from limner.identity.keys.models import ApiKey
from limner.identity.schemas import Principal

TTL_S = 30.0
MAX_ENTRIES = 10_000
WATCHED = (User, ApiKey, Group, GroupMember)
UNWATCHED_COLUMNS = {"last_used_at", "last_used_ip", "last_login_at"}  # bookkeeping, not access
ROW_ID = 1


class PrincipalVersion(Base):
    """One row: bumped by every change that could change what a principal may do."""

    __tablename__ = "principal_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


async def current_version(session: AsyncSession) -> int:
    return int(await session.scalar(_version_query()) or 0)


@functools.cache
def _version_query() -> Select[int]:
    # Built once: a statement object keeps its cache key, so each request skips building both.
    return select(PrincipalVersion.version).where(PrincipalVersion.id == ROW_ID)


def bump(session: Session) -> None:
    """Bump the counter inside the caller's transaction (sync: called from flush and execute events)."""
    if session.info.get("principal_version_bumped"):
        return
    session.info["principal_version_bumped"] = True
    conn = session.connection()
    done = conn.execute(
        update(PrincipalVersion)
        .where(PrincipalVersion.id == ROW_ID)
        .values(version=PrincipalVersion.version + 1)
    )
    if done.rowcount == 0:
        conn.execute(insert(PrincipalVersion).values(id=ROW_ID, version=1))


def install_version_tracking() -> None:
    """Listen on every ORM session (idempotent): the app, the CLI and the jobs all bump the counter."""
    if not event.contains(Session, "before_flush", _on_flush):
        event.listen(Session, "before_flush", _on_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_transaction_end", _on_transaction_end)


def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed = [*session.new, *session.deleted]
    if any(isinstance(obj, WATCHED) for obj in changed) or any(
        isinstance(obj, WATCHED) and _access_changed(obj) for obj in session.dirty
    ):
        bump(session)


def _access_changed(obj: object) -> bool:
    state = inspect(obj)
    return any(attr.key not in UNWATCHED_COLUMNS and attr.history.has_changes() for attr in state.attrs)


def _on_execute(state: Any) -> None:
    if (state.is_update or state.is_delete) and any(mapper.class_ in WATCHED for mapper in state.all_mappers):
        bump(state.session)


def _on_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("principal_version_bumped", None)


@dataclass(frozen=True, slots=True)
class _Entry:
    key_hash: str
    expires_at: datetime | None
    principal: Principal
    version: int
    loaded: float


class PrincipalCache:
    """key id → principal, valid for one counter value and at most TTL_S seconds."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, raw_key: str, *, secret_key: bytes, version: int) -> Principal | None:
        key_id = tokens.parse_key_id(raw_key)
        entry = self._entries.get(key_id) if key_id else None
        if entry is None:
            return None
        fresh = entry.version == version and time.monotonic() - entry.loaded < TTL_S
        unexpired = entry.expires_at is None or entry.expires_at > utcnow()
        if not (fresh and unexpired and tokens.keys_match(secret_key, raw_key, entry.key_hash)):
            return None
        return entry.principal

    def put(self, row: ApiKey, principal: Principal, *, version: int) -> None:
        self._entries[row.id] = _Entry(row.key_hash, row.expires_at, principal, version, time.monotonic())
        self._entries.move_to_end(row.id)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
