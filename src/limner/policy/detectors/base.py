"""The Detector contracts: local detectors are sync and pure; remote ones are async and pool connections."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from limner.policy.schemas import Finding


class Detector(Protocol):
    name: str

    def detect(self, text: str) -> list[Finding]:
        """Return every finding in `text`, with offsets into `text` itself. Pure and thread-safe:
        no I/O, no logging of the text. A detector that cannot run must fail when it is built."""
        ...


@runtime_checkable
class AsyncDetector(Protocol):
    """A detector that asks a vendor service (OpenAI moderation, Azure Content Safety, Llama Guard)."""

    name: str

    async def detect_async(self, text: str) -> list[Finding]:
        """Return the findings for `text`, offsets into `text`. Never log or put the text into an
        error. A vendor failure is not raised: the detector fails closed (or open, if configured)
        by returning a finding, so the policy's rules decide what happens to the prompt."""
        ...

    async def aclose(self) -> None:
        """Release the connection pool; a later call opens a new one."""
        ...
