"""API-key principals cached in memory, revoked at once on every replica.

Any committed change to a user, key, group or membership bumps one counter row in the database in the
same transaction (an ORM flush listener, so no write path can forget it). A request reads that counter
(one small read, no write lock) and uses its cached principal only while the counter is unchanged: a
key revoked, a user suspended or a role removed on any process or replica fails the very next request.
A cached entry is also dropped after `TTL_S`, so a key's last-use time keeps its minute precision."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from limner.db import Base, utcnow
from limner.identity.accounts.models import Group, GroupMember, User
from limner.identity.keys import tokens
from limner.identity.keys.models import ApiKey
from limner.identity.schemas import Principal
from limner.version_counters import CounterColumns, VersionCounter

TTL_S = 30.0
MAX_ENTRIES = 10_000
WATCHED = (User, ApiKey, Group, GroupMember)
UNWATCHED_COLUMNS = frozenset({"last_used_at", "last_used_ip", "last_login_at"})  # bookkeeping, not access


class PrincipalVersion(CounterColumns, Base):
    """One row: bumped by every change that could change what a principal may do."""

    __tablename__ = "principal_versions"


COUNTER = VersionCounter(PrincipalVersion, WATCHED, ignored=UNWATCHED_COLUMNS)
current_version = COUNTER.current


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
