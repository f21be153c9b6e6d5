"""Key rotation: a new KEK version, every data key re-wrapped under it, then old versions retired.

Blobs are never re-encrypted: only the small wrapped data keys change. Old versions are retired
only after the re-wrap committed, and only when no data key still names them, so a crash at any
point leaves every data key unwrappable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.vault.key_providers import KeyProvider
from limner.vault.models import DataKey
from limner.vault.service import rewrap_data_keys


@dataclass
class RotationReport:
    new_version: str
    rewrapped: int
    retired: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"new_version": self.new_version, "rewrapped": self.rewrapped, "retired": self.retired}


Sessions = async_sessionmaker[AsyncSession]


async def rotate_keys(sessions: Sessions, provider: KeyProvider, *, actor_id: str | None) -> RotationReport:
    """Runs its own transactions: the KEK store and the database cannot share one, so each step
    commits before the next starts (the order is what keeps a crash safe)."""
    new_version = await provider.rotate()
    async with sessions.begin() as session:
        count = await rewrap_data_keys(session, provider)
        await record(
            session,
            action=AuditAction.KEY_ROTATED,
            actor_id=actor_id,
            data={"kek_version": new_version, "rewrapped": count},
        )
    report = RotationReport(new_version=new_version, rewrapped=count)
    report.retired = await retire_unused(sessions, provider, actor_id=actor_id, keep=new_version)
    return report


async def retire_unused(
    sessions: Sessions, provider: KeyProvider, *, actor_id: str | None, keep: str
) -> list[str]:
    """Retire every KEK version no data key is wrapped under (a crashed rotation finishes here)."""
    async with sessions() as session:
        in_use = set((await session.execute(select(DataKey.kek_version).distinct())).scalars())
    retired = []
    for version in await provider.versions():
        if version != keep and version not in in_use:
            await provider.retire(version)
            retired.append(version)
    if retired:
        async with sessions.begin() as session:
            await record(
                session, action=AuditAction.KEY_RETIRED, actor_id=actor_id, data={"versions": retired}
            )
    return retired
