"""Every ORM model, imported in one place so metadata (migrations, tests) sees all tables."""

from __future__ import annotations

from limner.audit.models import AuditActor, AuditCheckpoint, AuditEvent, AuditOutbox, AuditSinkState
from limner.db import Base
from limner.education.gate import TrainingGateVersion
from limner.education.models import (
    Banner,
    PolicyAcknowledgement,
    TrainingModule,
    TrainingResult,
    UsePolicyVersion,
)
from limner.gallery.collection_models import Collection, CollectionItem, Favourite, ImageTag
from limner.gallery.models import Share
from limner.identity.accounts.models import Group, GroupMember, PasswordReset, User
from limner.identity.keys.models import ApiKey
from limner.identity.mfa.models import Passkey, RecoveryCode, TotpFactor
from limner.identity.principal_cache import PrincipalVersion
from limner.identity.sessions.models import AuthSession, LoginThrottle
from limner.identity.sso.models import ExternalIdentity, OidcState
from limner.imaging.records import Generation, ImageRecord
from limner.policy.models import PolicyVersion
from limner.privacy.models import Erasure, LegalHold
from limner.review.models import Notification, ReviewDecision, ReviewItem
from limner.templates.models import PromptTemplate, TemplateVersion
from limner.usage.alerts.models import Alert, KeyNetwork
from limner.usage.models import UsageCounter
from limner.vault.blob_stores.database import StoredBlob
from limner.vault.models import DataKey

metadata = Base.metadata

__all__ = [
    "Alert",
    "ApiKey",
    "AuditActor",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditOutbox",
    "AuditSinkState",
    "AuthSession",
    "Banner",
    "Collection",
    "CollectionItem",
    "DataKey",
    "Erasure",
    "ExternalIdentity",
    "Favourite",
    "Generation",
    "Group",
    "GroupMember",
    "ImageRecord",
    "ImageTag",
    "KeyNetwork",
    "LegalHold",
    "LoginThrottle",
    "Notification",
    "OidcState",
    "Passkey",
    "PasswordReset",
    "PolicyAcknowledgement",
    "PolicyVersion",
    "PrincipalVersion",
    "PromptTemplate",
    "RecoveryCode",
    "ReviewDecision",
    "ReviewItem",
    "Share",
    "StoredBlob",
    "TemplateVersion",
    "TotpFactor",
    "TrainingGateVersion",
    "TrainingModule",
    "TrainingResult",
    "UsageCounter",
    "UsePolicyVersion",
    "User",
    "metadata",
]
