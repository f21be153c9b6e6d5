"""The Detector contract."""

from __future__ import annotations

from typing import Protocol

from limner.policy.decision import Finding


class Detector(Protocol):
    name: str

    def detect(self, text: str) -> list[Finding]:
        """Return every finding in `text`, with offsets into `text` itself. Pure and thread-safe:
        no I/O, no logging of the text. A detector that cannot run must fail when it is built."""
        ...
