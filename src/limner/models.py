"""Every ORM model, imported in one place so metadata (migrations, tests) sees all tables."""

from __future__ import annotations

from limner.audit.models import AuditActor, AuditCheckpoint, AuditEvent, AuditOutbox, AuditSinkState
from limner.db import Base
from limner.education.models import (
    Banner,
    PolicyAcknowledgement,
    TrainingModule,
    TrainingResult,
    UsePolicyVersion,
)
from limner.gallery.models import Share
from limner.generation.models import Generation, ImageRecord
from limner.identity.models import ApiKey, User
from limner.policy.models import PolicyVersion
from limner.privacy.models import Erasure, LegalHold
from limner.review.models import Notification, ReviewDecision, ReviewItem
from limner.usage.models import UsageCounter
from limner.vault.models import DataKey

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "AuditActor",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditOutbox",
    "AuditSinkState",
    "Banner",
    "DataKey",
    "Erasure",
    "Generation",
    "ImageRecord",
    "LegalHold",
    "Notification",
    "PolicyAcknowledgement",
    "PolicyVersion",
    "ReviewDecision",
    "ReviewItem",
    "Share",
    "TrainingModule",
    "TrainingResult",
    "UsageCounter",
    "UsePolicyVersion",
    "User",
    "metadata",
]
