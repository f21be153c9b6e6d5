"""Data-subject erasure: crypto-shred, delete, pseudonymise the audit trail, keep the chain valid.

The audit chain hashes pseudonyms, never user ids (audit/chain.py): erasure deletes the link from
the pseudonym to the user and clears the plain ids, so every event still verifies afterwards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import forget_actor, record
from limner.errors import ConflictError
from limner.identity.accounts.models import GroupMember, PasswordReset, User
from limner.identity.accounts.service import refuse_self, set_status
from limner.identity.mfa.models import Passkey, RecoveryCode, TotpFactor
from limner.identity.sso.models import ExternalIdentity
from limner.imaging.records import Generation, ImageRecord
from limner.privacy.holds import holds_on_user
from limner.privacy.models import Erasure
from limner.privacy.subjects import email_hmac, find_subject
from limner.review.models import Notification
from limner.usage.alerts.service import forget_alert_principal
from limner.vault.service import KeyProvider, shred_data_key

# Identity rows that only describe the person (factors, links, resets, memberships).
_PERSONAL_TABLES = (TotpFactor, RecoveryCode, Passkey, ExternalIdentity, PasswordReset, GroupMember)


@dataclass
class ErasureReport:
    generations: int
    images: int
    data_key_shredded: bool
    audit_events_pseudonymised: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


async def erase_records(
    session: AsyncSession, key_provider: KeyProvider, *, secret_key: bytes, email: str, actor_id: str | None
) -> tuple[ErasureReport, list[str]]:
    """Refuses users under a legal hold (naming the hold). Returns the report and the blob keys the
    caller deletes after the commit (privacy/flows.py)."""
    user = await find_subject(session, secret_key=secret_key, email=email, purpose="erase")
    refuse_self(actor_id, user.id, "erase")
    await refuse_if_held(session, user.id)
    blobs = list(
        (await session.execute(select(ImageRecord.id).where(ImageRecord.owner_id == user.id))).scalars()
    )
    generations = await _count_generations(session, user.id)
    await set_status(session, user, "deprovisioned", actor_id=actor_id)
    await record(
        session,
        action=AuditAction.PRIVACY_ERASED,
        actor_id=actor_id,
        subject_type="user",
        subject_id=user.id,
        data={"generations": generations, "images": len(blobs)},
    )
    shredded = await shred_data_key(session, key_provider, owner_id=user.id)
    await _delete_content(session, user.id)
    await _scrub_identity(session, user)
    pseudonymised = await forget_actor(session, user_id=user.id)
    await forget_alert_principal(session, user_id=user.id)
    session.add(Erasure(email_hmac=email_hmac(secret_key, email)))
    return ErasureReport(generations, len(blobs), shredded, pseudonymised), blobs


async def refuse_if_held(session: AsyncSession, user_id: str) -> None:
    holds = await holds_on_user(session, user_id)
    if holds:
        names = ", ".join(f"{h.id} ({h.scope})" for h in holds)
        raise ConflictError(f"this user is under legal hold {names}; release the hold before erasing")


async def _count_generations(session: AsyncSession, user_id: str) -> int:
    return len(
        list((await session.execute(select(Generation.id).where(Generation.owner_id == user_id))).scalars())
    )


async def _delete_content(session: AsyncSession, user_id: str) -> None:
    # Review items cascade from their generation; notifications are addressed to the user.
    await session.execute(delete(ImageRecord).where(ImageRecord.owner_id == user_id))
    await session.execute(delete(Generation).where(Generation.owner_id == user_id))
    await session.execute(delete(Notification).where(Notification.user_id == user_id))


async def _scrub_identity(session: AsyncSession, user: User) -> None:
    """Keep the row (deprovisioned, keys revoked, sessions ended) so foreign keys and counts hold,
    but nothing in it names the person any more."""
    for model in _PERSONAL_TABLES:
        await session.execute(delete(model).where(model.user_id == user.id))
    user.email = f"erased-{user.id}@erased.invalid"
    user.display_name = ""
    user.password_hash = None
    user.external_id = None
    user.roles = []
