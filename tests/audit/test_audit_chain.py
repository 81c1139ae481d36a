"""Each audit record is a link in its program's (or the platform's) keyed hash chain.

Records are written sealed and pending in the caller's transaction and linked right after
commit; appends roll back cleanly and leave no gap."""

import datetime
import hashlib
import hmac
import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction

from accessprogram.audit.chain import LinkAfterCommit
from accessprogram.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditChain,
    AuditRecord,
    chain_for,
)
from accessprogram.audit.services import record
from accessprogram.audit.tasks import link_pending_records
from accessprogram.audit.verify import verify_chain
from factories import ProgramFactory, UserFactory


def keyed(purpose: str, payload: dict) -> str:
    """The documented format, written out independently of audit.hashing."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    message = f"{purpose}\n".encode() + canonical.encode()
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def expected_seal(entry: AuditRecord) -> str:
    moment = entry.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return keyed(
        "audit-seal",
        {
            "chain": entry.chain,
            "occurred_at": moment,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "data": entry.data,
        },
    )


def expected_hash(entry: AuditRecord) -> str:
    return keyed(
        "audit-link",
        {
            "chain": entry.chain,
            "sequence": entry.sequence,
            "seal": entry.seal,
            "prev_hash": entry.prev_hash,
        },
    )


def test_records_link_from_the_genesis_hash_onwards(make_records, chain_head, program_chain):
    make_records(3)
    records = list(AuditRecord.objects.order_by("sequence"))  # read back from the database
    assert [(r.chain, r.sequence) for r in records] == [(program_chain, n) for n in (1, 2, 3)]
    assert records[0].prev_hash == GENESIS_HASH == "0" * 64
    assert records[1].prev_hash == records[0].hash
    assert records[2].prev_hash == records[1].hash
    for entry in records:
        assert entry.seal == expected_seal(entry)
        assert entry.hash == expected_hash(entry)
    head = chain_head()
    assert (head.sequence, head.hash) == (3, records[2].hash)


def test_each_program_has_its_own_chain_and_the_rest_share_the_platform_chain(program, committed):
    other = ProgramFactory()
    user = UserFactory()
    with committed():
        record(action="test.here", target=program)
        record(action="test.there", target=other)
        record(action="test.user", target=user)  # tied to no program
        record(action="test.here", target=program)
        record(action="test.named", target=user, program=other.slug)  # the caller names it
    links = list(AuditRecord.objects.order_by("id").values_list("chain", "sequence"))
    assert links == [
        (chain_for(program.slug), 1),
        (chain_for(other.slug), 1),
        ("platform", 1),
        (chain_for(program.slug), 2),
        (chain_for(other.slug), 2),
    ]
    result = verify_chain()
    assert result.ok, result.message
    assert {chain.chain: chain.records for chain in result.chains} == {
        "platform": 1,
        chain_for(program.slug): 2,
        chain_for(other.slug): 2,
    }


def test_a_record_is_sealed_at_once_and_linked_after_commit(program, committed):
    with committed() as callbacks:
        entry = record(action="token.issued", target=program, name="laptop")
        stored = AuditRecord.objects.get(pk=entry.pk)
        assert (stored.sequence, stored.prev_hash, stored.hash) == (None, "", "")  # pending
        assert stored.seal == expected_seal(stored)
        assert verify_chain().pending == 1
    assert callbacks  # the link was queued on commit
    stored = AuditRecord.objects.get(pk=entry.pk)
    assert (stored.sequence, stored.prev_hash) == (1, GENESIS_HASH)
    assert stored.hash == expected_hash(stored)
    assert verify_chain().pending == 0


def test_the_hash_covers_the_actor_and_the_target(program, committed):
    user = UserFactory()
    with committed():
        entry = record(action="token.issued", target=program, actor=user, name="laptop")
    stored = AuditRecord.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.target_type, stored.target_id) == (
        user.pk,
        "programs.program",
        str(program.pk),
    )
    assert stored.data == {"name": "laptop", "program": program.slug}  # named by record()
    assert stored.seal == expected_seal(stored)
    assert stored.hash == expected_hash(stored)


def test_a_rolled_back_transaction_leaves_no_record_and_no_gap(make_records, program, committed):
    make_records(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="test.doomed", target=program)
        raise RuntimeError("the caller fails after auditing")
    assert not AuditRecord.objects.filter(action="test.doomed").exists()
    with committed():
        entry = record(action="test.after", target=program)
    assert AuditRecord.objects.get(pk=entry.pk).sequence == 3
    assert verify_chain().ok


def test_services_that_audit_write_chained_records(token, tester):
    issued = AuditRecord.objects.get(action="token.issued")
    assert (issued.chain, issued.sequence) == (chain_for(tester.program.slug), None)
    assert link_pending_records() >= 1  # what the sweep does for a process that died
    issued.refresh_from_db()
    assert issued.sequence == 1
    assert verify_chain().ok


def test_data_is_stored_as_it_reads_back(program, committed):
    """Dates, Decimals and UUIDs become strings; PostgreSQL may turn whole floats into integers."""
    key = uuid.uuid4()
    with committed():
        record(
            action="test.values",
            target=program,
            amount=Decimal("12.50"),
            ends_at=datetime.date(2026, 3, 1),
            key=key,
            pair=(1, 2),
            big=1e16,
            whole=3.0,
            tiny=1.5e-10,
            text="naïve ☃ \u2028",
        )
    stored = AuditRecord.objects.get()
    assert stored.data["amount"] == "12.50"
    assert stored.data["ends_at"] == "2026-03-01"
    assert stored.data["key"] == str(key)
    assert stored.data["pair"] == [1, 2]
    assert verify_chain().ok


def test_audit_records_cannot_be_changed_or_removed_through_the_orm(make_records, program):
    entry = make_records(1)[0]
    entry.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=entry.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.bulk_create([AuditRecord(action="x")])
    with pytest.raises(AppendOnlyError):  # must go through record() to be sealed
        AuditRecord.objects.create(action="test.sneaky", target_type="x", target_id="1")
    assert AuditRecord.objects.get().action == "test.step"
    assert verify_chain().ok


def test_deleting_a_user_keeps_their_records_and_the_chain_intact(program, committed):
    user = UserFactory()
    with committed():
        record(action="test.by_user", target=program, actor=user)
    user_id = user.pk
    user.delete()
    assert AuditRecord.objects.get().actor_id == user_id
    assert verify_chain().ok


def test_a_missing_head_is_rebuilt_from_the_last_record(make_records, program, committed):
    """After a flush the chain starts afresh; if only the head went, linking continues."""
    AuditChain.objects.all().delete()
    with committed():
        first = record(action="test.first", target=program)
    assert AuditRecord.objects.get(pk=first.pk).sequence == 1
    make_records(2)
    AuditChain.objects.all().delete()
    with committed():
        following = record(action="test.next", target=program)
    assert AuditRecord.objects.get(pk=following.pk).sequence == 4
    note = AuditRecord.objects.get(action="audit.chain_head_rebuilt")  # not for the empty chain
    assert (note.chain, note.data["chain"], note.data["sequence"]) == (
        "platform",
        chain_for(program.slug),
        3,
    )
    assert verify_chain().ok


def test_a_head_created_by_a_concurrent_first_link_is_not_a_rebuild(
    make_records, program, committed, monkeypatch
):
    """Two first links race: the loser saw no head, then the winner's head and records landed.

    The loser must link after the winner's records and write no "head rebuilt" note (CI once
    found an extra platform record this way).
    """
    from accessprogram.audit import chain as chain_module

    make_records(3)
    chain = chain_for(program.slug)
    winner_head = AuditChain.objects.get(pk=chain)
    AuditChain.objects.filter(pk=chain).delete()  # what the loser's select saw: no head yet
    real_rows = chain_module._rows

    def winner_commits_first():  # the loser's next read, of its last record, comes after
        if not AuditChain.objects.filter(pk=chain).exists():
            AuditChain.objects.create(
                key=chain, sequence=winner_head.sequence, hash=winner_head.hash,
                mac=winner_head.mac,
            )  # fmt: skip
        return real_rows()

    monkeypatch.setattr(chain_module, "_rows", winner_commits_first)
    with committed():
        following = record(action="test.next", target=program)
    assert AuditRecord.objects.get(pk=following.pk).sequence == 4
    assert not AuditRecord.objects.filter(action="audit.chain_head_rebuilt").exists()
    assert verify_chain().ok


def test_the_sweep_links_what_an_interrupted_process_left_pending(program, db):
    """Without a commit callback (as if the process died after commit) records wait, sealed."""
    other = ProgramFactory()
    for target in (program, other, program, UserFactory()):
        record(action="test.orphan", target=target)
    assert AuditRecord.objects.filter(sequence__isnull=True).count() == 4
    assert verify_chain().ok  # pending is not broken: each seal is checked
    assert link_pending_records() == 4
    assert link_pending_records() == 0  # idempotent
    result = verify_chain()
    assert (result.ok, result.records, result.pending) == (True, 4, 0)


def test_a_rewrite_re_hashed_without_the_key_is_detected(make_records, program_chain, tamper):
    """Anyone can recompute plain sha256 hashes; nobody without AUDIT_HMAC_KEY can re-seal."""
    make_records(3)
    entry = tamper.rows(program_chain).get(sequence=3)
    entry.data = {"step": 99}
    forged = hashlib.sha256(json.dumps(entry.data).encode()).hexdigest()
    tamper.rows(program_chain).filter(sequence=3).update(data=entry.data, seal=forged)
    result = verify_chain()
    assert (result.ok, result.chain, result.broken_at) == (False, program_chain, 3)
    assert "do not match its seal" in result.problem


def test_a_different_key_fails_every_chain(make_records, settings):
    make_records(2)
    settings.AUDIT_HMAC_KEY = "someone-elses-key"
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_gapless_chains(program, eager_celery):
    """Links that find their head busy hand over to a task (run inline here, as a worker)."""
    other = ProgramFactory()
    threads_count, per_thread = 8, 25
    start = threading.Barrier(threads_count)
    errors = []

    def append_many(worker: int):
        target = program if worker % 2 else other
        try:
            start.wait()
            for step in range(per_thread):
                # Like the real callers: audit inside the service's own transaction.
                with transaction.atomic():
                    record(action="test.concurrent", target=target, worker=worker, step=step)
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; let teardown drop the db

    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    per_chain = threads_count // 2 * per_thread
    for target in (program, other):
        chain = chain_for(target.slug)
        sequences = AuditRecord.objects.filter(chain=chain).order_by("sequence")
        assert list(sequences.values_list("sequence", flat=True)) == list(range(1, per_chain + 1))
        assert AuditChain.objects.get(pk=chain).sequence == per_chain
    result = verify_chain()
    assert result.ok, result.message
    assert (result.records, result.pending) == (2 * per_chain, 0)


def test_a_transaction_queues_one_link_per_chain(program, django_capture_on_commit_callbacks):
    other = ProgramFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        # The first record of the chain is in a savepoint that rolls back: its link goes too,
        # and the next record queues another.
        with pytest.raises(RuntimeError), transaction.atomic():
            record(action="test.doomed", target=program)
            raise RuntimeError("a failed step")
        for step in range(5):  # like a bulk import
            record(action="test.import", target=program, step=step)
            record(action="test.import", target=other, step=step)
    links = [callback for callback in callbacks if isinstance(callback, LinkAfterCommit)]
    assert sorted(link.chain for link in links) == sorted(
        [chain_for(program.slug), chain_for(other.slug)]
    )
    result = verify_chain()
    assert (result.ok, result.records, result.pending) == (True, 10, 0)


def test_a_failed_link_after_commit_is_logged_and_left_to_the_sweep(
    program, committed, monkeypatch, caplog
):
    """The business change is committed by then: a link failure must not raise out of commit."""
    from accessprogram.audit import chain as chain_module

    def broken_link(**_kwargs):
        raise RuntimeError("head unavailable")

    monkeypatch.setattr(chain_module, "link_pending", broken_link)
    with committed():
        entry = record(action="test.unlinked", target=program)
    assert AuditRecord.objects.get(pk=entry.pk).sequence is None  # pending, for the sweep
    assert "LinkAfterCommit(program:" in caplog.text
    monkeypatch.undo()
    link_pending_records(chain=chain_for(program.slug))
    assert AuditRecord.objects.get(pk=entry.pk).sequence == 1
