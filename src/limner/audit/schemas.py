"""Audit vocabulary and API shapes: every action the log may carry (dotted, stable names) and the pages
the audit API returns."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class AuditAction(StrEnum):
    IMAGE_GENERATE_REQUESTED = "image.generate.requested"
    IMAGE_EDIT_REQUESTED = "image.edit.requested"
    IMAGE_VARIATION_REQUESTED = "image.variation.requested"
    IMAGE_GENERATED = "image.generated"
    IMAGE_FAILED = "image.failed"
    IMAGE_RELEASED = "image.released"
    IMAGE_ABANDONED = "image.abandoned"
    IMAGE_HELD = "image.held"
    PROMPT_REVEALED = "prompt.revealed"
    REVIEW_ENQUEUED = "review.enqueued"
    REVIEW_DECIDED = "review.decided"
    REVIEW_ESCALATED = "review.escalated"
    POLICY_ACTIVATED = "policy.activated"
    POLICY_DRY_RUN = "policy.dry_run"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    AUTH_LOGOUT_ALL = "auth.logout_all"
    AUTH_MFA = "auth.mfa"
    MFA_ENROL = "mfa.enrol"
    MFA_REMOVE = "mfa.remove"
    MFA_RECOVERY_CODES = "mfa.recovery_codes"
    PASSWORD_RESET = "password.reset"
    PASSWORD_RESET_ISSUED = "password.reset_issued"
    USER_CREATE = "user.create"
    USER_PROVISIONED = "user.provisioned"
    USER_ROLES = "user.roles"
    USER_STATUS = "user.status"
    GROUP_CREATE = "group.create"
    GROUP_UPDATE = "group.update"
    GROUP_DELETE = "group.delete"
    GROUP_MEMBERS = "group.members"
    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    KEY_ROTATE = "key.rotate"
    KEY_SUSPEND = "key.suspend"
    KEY_RESUME = "key.resume"
    AUDIT_EXPORTED = "audit.exported"
    AUDIT_CHECKPOINTED = "audit.checkpointed"
    AUDIT_PURGED = "audit.purged"
    PRIVACY_EXPORTED = "privacy.exported"
    PRIVACY_ERASED = "privacy.erased"
    ERASURE_REQUESTED = "privacy.erasure.requested"
    ERASURE_APPROVED = "privacy.erasure.approved"
    PRIVACY_PURGED = "privacy.purged"
    HOLD_ADDED = "privacy.hold.added"
    HOLD_RELEASED = "privacy.hold.released"
    KEY_ROTATED = "vault.key.rotated"
    KEY_RETIRED = "vault.key.retired"
    BLOBS_SWEPT = "vault.blobs.swept"
    ALERT_RAISED = "alert.raised"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_RESOLVED = "alert.resolved"
    QUOTA_EXCEEDED = "quota.exceeded"
    USE_POLICY_PUBLISHED = "education.policy.published"
    USE_POLICY_ACKNOWLEDGED = "education.policy.acknowledged"
    TRAINING_MODULE_SAVED = "education.module.saved"
    TRAINING_ATTEMPTED = "education.module.attempted"
    TRAINING_RECORDED = "education.module.recorded"
    BANNER_CREATED = "education.banner.created"
    BANNER_ENDED = "education.banner.ended"
    PROMPT_WARNING_CONFIRMED = "prompt.warning_confirmed"
    IMAGE_ERASED = "image.erased"
    SHARE_CREATED = "share.created"
    SHARE_REVOKED = "share.revoked"
    ERASURE_ASKED = "privacy.erasure.asked"  # by the person, from "My data"
    COLLECTION_CREATED = "collection.created"
    COLLECTION_RENAMED = "collection.renamed"
    COLLECTION_SHARED = "collection.shared"  # with a group
    COLLECTION_UNSHARED = "collection.unshared"
    COLLECTION_DELETED = "collection.deleted"
    COLLECTION_DOWNLOADED = "collection.downloaded"  # a zip; data says whether prompts were included
    TEMPLATE_PUBLISHED = "template.published"
    TEMPLATE_RETIRED = "template.retired"


class AuditEventPage(BaseModel):
    object: str = "list"
    data: list[dict[str, Any]]
    next_cursor: int | None = None


class CheckpointList(BaseModel):
    algorithm: str = "ed25519"
    public_key: str
    key_id: str
    checkpoints: list[dict[str, Any]]
