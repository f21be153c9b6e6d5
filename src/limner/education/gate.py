"""The training gate's answer cached per process, seen by every replica at the next request.

Any committed change to a policy version, a module, an acknowledgement or a training result bumps one
counter row in the database in the same transaction (an ORM flush listener, so no write path can forget
it), the way identity's principal cache works. The gate reads that counter (one small read, no write lock)
and uses a person's cached answer only while the counter is unchanged, and a pass only until it lapses
(`education.renew_days`): time alone can make a pass lapse, never make one, so a refusal needs no clock."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from limner.db import Base, utcnow
from limner.education.models import PolicyAcknowledgement, TrainingModule, TrainingResult, UsePolicyVersion
from limner.version_counters import CounterColumns, VersionCounter

MAX_ENTRIES = 10_000
WATCHED = (UsePolicyVersion, TrainingModule, PolicyAcknowledgement, TrainingResult)


class TrainingGateVersion(CounterColumns, Base):
    """One row: bumped by every change that could change whether someone passes the training gate."""

    __tablename__ = "training_gate_versions"


COUNTER = VersionCounter(TrainingGateVersion, WATCHED)
current_version = COUNTER.current


@dataclass(frozen=True, slots=True)
class _Answer:
    version: int
    complete: bool
    lapses_at: datetime | None  # None: never (or a refusal, which only a write can change)


class TrainingGateCache:
    """user id → whether they pass the gate, valid for one counter value (and a pass until it lapses)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Answer] = OrderedDict()

    def get(self, user_id: str, *, version: int) -> bool | None:
        answer = self._entries.get(user_id)
        if answer is None or answer.version != version:
            return None
        if answer.lapses_at is not None and answer.lapses_at <= utcnow():
            return None
        return answer.complete

    def put(self, user_id: str, *, version: int, complete: bool, lapses_at: datetime | None) -> None:
        self._entries[user_id] = _Answer(version, complete, lapses_at)
        self._entries.move_to_end(user_id)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
