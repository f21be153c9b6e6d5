"""Unit: the training gate's per-process cache of answers (no app, no database).

Over HTTP, with two app instances on one database: tests/integration/education/test_gate_cache.py."""

from __future__ import annotations

from datetime import timedelta

from limner.db import utcnow
from limner.education.gate import TrainingGateCache


def test_an_answer_is_used_only_for_the_counter_value_it_was_read_under() -> None:
    cache = TrainingGateCache()
    cache.put("u1", version=7, complete=True, lapses_at=None)
    assert cache.get("u1", version=7) is True
    assert cache.get("u1", version=8) is None
    assert cache.get("u2", version=7) is None


def test_a_refusal_is_cached_too() -> None:
    cache = TrainingGateCache()
    cache.put("u1", version=3, complete=False, lapses_at=None)
    assert cache.get("u1", version=3) is False


def test_a_pass_is_not_used_once_it_lapsed() -> None:
    cache = TrainingGateCache()
    cache.put("lapsed", version=1, complete=True, lapses_at=utcnow() - timedelta(seconds=1))
    cache.put("current", version=1, complete=True, lapses_at=utcnow() + timedelta(days=1))
    assert cache.get("lapsed", version=1) is None
    assert cache.get("current", version=1) is True
