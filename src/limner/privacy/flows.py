"""Data-subject and retention work that spans a transaction and the blob store: the database rows change
in one transaction (the services), and blobs are read or deleted only after it commits, so a large export
does not hold the database and a crash in between leaves an orphan blob for the janitor (unreadable
without its key), never a record that points at nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, BinaryIO

from limner.components import Components
from limner.privacy import approvals
from limner.privacy.erase import ErasureReport, erase_records
from limner.privacy.export import collect_export, write_archive
from limner.privacy.purge import PurgeReport, purge_rows


async def erase_user(c: Components, *, email: str, actor_id: str | None) -> ErasureReport:
    async with c.sessions.begin() as session:
        report, blobs = await erase_records(
            session, c.key_provider, secret_key=c.secret_key, email=email, actor_id=actor_id
        )
    for key in blobs:
        await c.blob_store.delete(key)
    return report


async def approve_erasure(c: Components, *, request_id: str, actor_id: str) -> dict[str, Any]:
    """Approve (someone other than the requester) and erase. The request is marked approved only
    after the erasure committed: a refused erasure (a legal hold, say) leaves it pending."""
    async with c.sessions() as session:
        email = await approvals.subject_email(session, request_id=request_id, actor_id=actor_id)
    report = await erase_user(c, email=email, actor_id=actor_id)
    async with c.sessions.begin() as session:
        row = await approvals.mark_approved(session, request_id=request_id, actor_id=actor_id)
    return {"request": approvals.request_json(row), **report.as_json()}


async def export_user(
    c: Components, out: BinaryIO, *, email: str, actor_id: str | None, request_id: str | None = None
) -> dict[str, int]:
    """Write the person's ZIP to `out` and return what it holds."""
    async with c.sessions.begin() as session:
        found = await collect_export(
            session,
            c.key_provider,
            secret_key=c.secret_key,
            email=email,
            actor_id=actor_id,
            request_id=request_id,
        )
    return await write_archive(out, found, c.blob_store)


async def purge_expired(c: Components, now: datetime, dry_run: bool) -> PurgeReport:
    """Drop each data class past its retention, skipping anything under a legal hold."""
    privacy = c.settings.privacy
    async with c.sessions.begin() as session:
        report = await purge_rows(
            session, retention=privacy.retention, batch=privacy.purge_batch, now=now, dry_run=dry_run
        )
    if not dry_run:
        for key in report.blobs:
            await c.blob_store.delete(key)
    return report
