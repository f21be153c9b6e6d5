"""Fixtures for audit integration tests: a checkpoint signer installed on the test components."""

from __future__ import annotations

import pytest

from limner.audit.service import AuditRuntime, install_audit
from limner.audit.signing import FakeCheckpointSigner
from limner.components import Components


@pytest.fixture
def signer(components: Components) -> FakeCheckpointSigner:
    """Checkpoints every 5 events, signed by an in-memory key."""
    key = FakeCheckpointSigner()
    install_audit(components.sessions, AuditRuntime(signer=key, checkpoint_every=5))
    return key
