"""Integration tests: the chain on a real database, verified, then tampered with in every way.

Unit tests of the hash arithmetic: tests/unit/audit/test_chain.py."""

from __future__ import annotations

from sqlalchemy import text

from limner.audit.schemas import AuditAction
from limner.audit.service import NewEvent, record, record_many
from limner.audit.signing import FakeCheckpointSigner
from limner.audit.verify import Problem, VerifyReport, verify_chain, verify_log
from limner.components import Components


async def _fill(c: Components, n: int) -> None:
    async with c.sessions.begin() as session:
        for i in range(n):
            await record(session, action=AuditAction.IMAGE_GENERATED, actor_id=f"user{i % 3}", data={"i": i})


async def _verify(c: Components, signer: FakeCheckpointSigner) -> VerifyReport:
    async with c.sessions() as session:
        return await verify_chain(session, public_key=signer.public_key())


def _problem(report: VerifyReport) -> Problem:
    assert report.problem is not None, "verify passed a tampered chain"
    return report.problem


async def _sql(c: Components, statement: str, **params: object) -> None:
    async with c.sessions.begin() as session:
        await session.execute(text(statement), params)


async def test_a_fresh_chain_verifies_with_signed_checkpoints(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 12)
    report = await _verify(components, signer)
    assert report.ok, report.problem
    assert (report.events, report.first_seq, report.last_seq) == (12, 1, 12)
    assert (report.checkpoints, report.signed_checkpoints) == (2, 2)


async def test_an_empty_chain_verifies(components: Components, signer: FakeCheckpointSigner) -> None:
    assert (await _verify(components, signer)).ok


async def test_record_many_appends_in_order(components: Components, signer: FakeCheckpointSigner) -> None:
    async with components.sessions.begin() as session:
        rows = await record_many(
            session, [NewEvent(AuditAction.AUDIT_EXPORTED, data={"i": i}) for i in range(7)]
        )
    assert [r.seq for r in rows] == list(range(1, 8))
    assert (await _verify(components, signer)).ok


async def test_modified_event_is_named(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 8)
    await _sql(components, "UPDATE audit_events SET outcome = 'allow' WHERE seq = 3")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (3, "modified")
    assert "seq 3" in problem.message


async def test_modified_data_is_named(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 4)
    await _sql(components, "UPDATE audit_events SET data = :d WHERE seq = 2", d='{"i":99}')
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (2, "modified")


async def test_deleted_event_is_named(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 8)
    await _sql(components, "DELETE FROM audit_events WHERE seq = 4")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (4, "deleted")


async def test_deleted_tail_is_caught_by_a_checkpoint(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 7)
    await _sql(components, "DELETE FROM audit_events WHERE seq >= 5")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (5, "truncated")


async def test_deleted_head_is_caught(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 8)
    await _sql(components, "DELETE FROM audit_events WHERE seq <= 2")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (2, "deleted")


async def test_inserted_event_is_named(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 4)
    # Make room at seq 3 and forge an event there that copies the link from seq 2.
    await _sql(components, "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3")
    await _sql(components, "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103")
    await _sql(
        components,
        "INSERT INTO audit_events (seq, id, at, action, outcome, data, prev_hash, hash) "
        "SELECT 3, 'forged', at, 'image.generated', 'ok', '{}', hash, hash FROM audit_events WHERE seq = 2",
    )
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (3, "modified")


async def test_reordered_events_are_named(components: Components, signer: FakeCheckpointSigner) -> None:
    await _fill(components, 4)
    await _sql(components, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    await _sql(components, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
    await _sql(components, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (2, "modified")


async def test_rewritten_and_rehashed_suffix_fails_the_checkpoint(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 6)
    await _sql(components, "UPDATE audit_checkpoints SET hash = :h WHERE seq = 5", h="f" * 64)
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (5, "checkpoint_mismatch")


async def test_corrupted_checkpoint_signature_is_named(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 11)
    await _sql(components, "UPDATE audit_checkpoints SET signature = :s WHERE seq = 10", s="QUFB" * 22)
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (10, "bad_signature")
    assert "checkpoint at seq 10" in problem.message


async def test_checkpoint_signed_by_another_key_fails(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 5)
    async with components.sessions() as session:
        report = await verify_chain(session, public_key=FakeCheckpointSigner().public_key())
    assert _problem(report).kind == "bad_signature"


async def test_relinking_an_event_to_another_user_is_caught(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 3)
    await _sql(components, "UPDATE audit_events SET actor_id = 'user2' WHERE seq = 1")
    problem = _problem(await _verify(components, signer))
    assert (problem.seq, problem.kind) == (1, "relinked")


async def test_unsigned_checkpoints_are_reported_then_signed(components: Components) -> None:
    from limner.audit.checkpoints import sign_pending
    from limner.audit.service import AuditRuntime, install_audit

    install_audit(components.sessions, AuditRuntime(signer=None, checkpoint_every=1000))
    await _fill(components, 1000)  # checkpoint every 1000, no signer: written unsigned
    signer = FakeCheckpointSigner()
    report = await _verify(components, signer)
    assert report.ok
    assert report.unsigned_checkpoints == [1000]
    async with components.sessions.begin() as session:
        assert await sign_pending(session, signer) == 1
    report = await _verify(components, signer)
    assert report.ok
    assert (report.signed_checkpoints, report.unsigned_checkpoints) == (1, [])


async def test_chunked_verify_agrees_across_chunk_boundaries(
    components: Components, signer: FakeCheckpointSigner
) -> None:
    await _fill(components, 10)
    report = await verify_log(components.sessions, public_key=signer.public_key(), chunk=3)
    assert (report.ok, report.events, report.signed_checkpoints) == (True, 10, 2)
    await _sql(components, "DELETE FROM audit_events WHERE seq = 4")  # the first row of a chunk
    problem = _problem(await verify_log(components.sessions, public_key=signer.public_key(), chunk=3))
    assert (problem.seq, problem.kind) == (4, "deleted")
