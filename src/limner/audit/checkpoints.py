"""Signed checkpoints: the chain head every N events, signed so an outside party can anchor it."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.models import AuditCheckpoint
from limner.audit.signing import CheckpointSigner, checkpoint_message, key_id
from limner.db import utcnow


async def add_checkpoint(
    session: AsyncSession, *, seq: int, head_hash: str, signer: CheckpointSigner | None
) -> AuditCheckpoint:
    row = AuditCheckpoint(seq=seq, hash=head_hash, at=utcnow())
    if signer is not None:
        sign(row, signer)
    session.add(row)
    return row


def sign(row: AuditCheckpoint, signer: CheckpointSigner) -> None:
    message = checkpoint_message(row.seq, row.hash, row.at.isoformat())
    row.key_id = key_id(signer.public_key())
    row.signature = base64.b64encode(signer.sign(message)).decode()


async def sign_pending(session: AsyncSession, signer: CheckpointSigner) -> int:
    """Sign checkpoints written by a process without a signer. It only signs heads that already
    exist, so verify still compares each one with the recomputed chain."""
    rows = (
        await session.execute(select(AuditCheckpoint).where(AuditCheckpoint.signature.is_(None)))
    ).scalars()
    count = 0
    for row in rows:
        sign(row, signer)
        count += 1
    return count


async def list_checkpoints(session: AsyncSession) -> Sequence[AuditCheckpoint]:
    return (await session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))).scalars().all()


def checkpoint_json(row: AuditCheckpoint) -> dict[str, object]:
    return {
        "seq": row.seq,
        "hash": row.hash,
        "at": row.at.isoformat(),
        "key_id": row.key_id,
        "signature": row.signature,
    }
