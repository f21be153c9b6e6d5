"""Key rotation: a new KEK version, every data key re-wrapped under it, then old versions retired.

Blobs are never re-encrypted: only the small wrapped data keys change. Old versions are retired
only after the re-wrap committed, and only when no data key still names them, so a crash at any
point leaves every data key unwrappable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from limner.audit.actions import AuditAction
from limner.audit.service import record
from limner.components import Components
from limner.vault.models import DataKey
from limner.vault.service import rewrap_data_keys


@dataclass
class RotationReport:
    new_version: str
    rewrapped: int
    retired: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"new_version": self.new_version, "rewrapped": self.rewrapped, "retired": self.retired}


async def rotate_keys(c: Components, *, actor_id: str | None) -> RotationReport:
    provider = c.key_provider
    new_version = await provider.rotate()
    async with c.sessions.begin() as session:
        count = await rewrap_data_keys(session, provider)
        await record(
            session,
            action=AuditAction.KEY_ROTATED,
            actor_id=actor_id,
            data={"kek_version": new_version, "rewrapped": count},
        )
    report = RotationReport(new_version=new_version, rewrapped=count)
    report.retired = await retire_unused(c, actor_id=actor_id, keep=new_version)
    return report


async def retire_unused(c: Components, *, actor_id: str | None, keep: str) -> list[str]:
    """Retire every KEK version no data key is wrapped under (a crashed rotation finishes here)."""
    async with c.sessions() as session:
        in_use = set((await session.execute(select(DataKey.kek_version).distinct())).scalars())
    retired = []
    for version in await c.key_provider.versions():
        if version != keep and version not in in_use:
            await c.key_provider.retire(version)
            retired.append(version)
    if retired:
        async with c.sessions.begin() as session:
            await record(
                session, action=AuditAction.KEY_RETIRED, actor_id=actor_id, data={"versions": retired}
            )
    return retired
