"""A circuit breaker per upstream: after `failures` transient failures in a row it opens, and for a
jittered `open_s` every call fails at once with a 503 and `retry-after`, so a vendor outage costs
clients one quick answer instead of a pile of slow retries. Then one trial call is let through
(half-open): success closes the breaker, failure opens it again."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from limner.errors import LimnerError, UnavailableError

# Codes meaning "the vendor is unwell", not "this request was wrong" (backends/_upstream_errors.py).
TRANSIENT_CODES = frozenset(
    {
        "upstream_unavailable",
        "upstream_rate_limited",
        "upstream_bad_response",
        "upstream_unreachable",
        "upstream_timeout",
    }
)


@dataclass
class CircuitBreaker:
    label: str  # how the 503 names the upstream, e.g. "The image provider 'openai'"
    failures: int = 5  # 0 turns the breaker off
    open_s: float = 30.0
    jitter: float = 0.2  # replicas that opened together do not all probe together
    clock: Callable[[], float] = time.monotonic
    _failed: int = field(default=0, init=False)
    _open_until: float | None = field(default=None, init=False)
    _trial: bool = field(default=False, init=False)

    def before_call(self) -> None:
        """Raise UnavailableError (503 + retry-after) while open; let one trial through after."""
        if self._open_until is None or self.failures == 0:
            return
        wait = self._open_until - self.clock()
        if wait > 0 or self._trial:
            retry_after = str(max(1, math.ceil(wait)))
            raise UnavailableError(
                f"{self.label} is failing; Limner stopped sending it requests for a while. "
                f"Retry in {retry_after} s.",
                code="upstream_circuit_open",
                headers={"retry-after": retry_after},
            )
        self._trial = True

    def record(self, error: LimnerError | None) -> None:
        """The outcome of a call that `before_call` let through (None: success)."""
        transient = error is not None and error.code in TRANSIENT_CODES
        self._trial = False
        if not transient:
            self._failed, self._open_until = 0, None
            return
        self._failed += 1
        if self.failures and (self._failed >= self.failures or self._open_until is not None):
            self._open_until = self.clock() + self.open_s * (
                1 - self.jitter * random.random()
            )  # not a secret

    def abandon(self) -> None:
        """A call that ended without an outcome (cancelled): the next call may be the trial."""
        self._trial = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None
