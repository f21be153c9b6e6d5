"""Every ORM model, imported in one place so metadata (migrations, tests) sees all tables."""

from __future__ import annotations

from limner.audit.models import AuditEvent
from limner.db import Base
from limner.generation.models import Generation, ImageRecord
from limner.identity.models import ApiKey, User
from limner.policy.models import PolicyVersion
from limner.review.models import Notification, ReviewDecision, ReviewItem
from limner.vault.models import DataKey

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "DataKey",
    "Generation",
    "ImageRecord",
    "Notification",
    "PolicyVersion",
    "ReviewDecision",
    "ReviewItem",
    "User",
    "metadata",
]
