"""Each audit record is a link in a hash chain; appends are serialised and roll back cleanly."""

import datetime
import hashlib
import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accessprogram.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditRecord
from accessprogram.audit.services import record
from accessprogram.audit.verify import verify_chain
from factories import UserFactory


def expected_hash(entry: AuditRecord) -> str:
    """The documented format, written out independently of audit.chain."""
    payload = {
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.astimezone(datetime.UTC).isoformat(
            timespec="microseconds"
        ),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_records_link_from_the_genesis_hash_onwards(make_records, chain_head):
    make_records(3)
    records = list(AuditRecord.objects.order_by("sequence"))  # read back from the database
    assert [r.sequence for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH == "0" * 64
    assert records[1].prev_hash == records[0].hash
    assert records[2].prev_hash == records[1].hash
    for entry in records:
        assert len(entry.hash) == 64
        assert entry.hash == expected_hash(entry)
    head = chain_head()
    assert (head.sequence, head.hash) == (3, records[2].hash)


def test_the_hash_covers_the_actor_and_the_target(program):
    user = UserFactory()
    entry = record(action="token.issued", target=program, actor=user, name="laptop")
    stored = AuditRecord.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.target_type, stored.target_id) == (
        user.pk,
        "programs.program",
        str(program.pk),
    )
    assert stored.data == {"name": "laptop", "program": program.slug}  # named by record()
    assert stored.hash == expected_hash(stored)


def test_a_rolled_back_transaction_leaves_no_record_and_no_gap(make_records, program):
    make_records(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="test.doomed", target=program)
        raise RuntimeError("the caller fails after auditing")
    assert not AuditRecord.objects.filter(action="test.doomed").exists()
    assert record(action="test.after", target=program).sequence == 3
    assert verify_chain().ok


def test_services_that_audit_write_chained_records(token):
    issued = AuditRecord.objects.get(action="token.issued")
    assert issued.sequence == 1
    assert verify_chain().ok


def test_data_is_stored_as_it_reads_back(program):
    """Dates, Decimals and UUIDs become strings; PostgreSQL may turn whole floats into integers."""
    key = uuid.uuid4()
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
    with pytest.raises(AppendOnlyError):  # must go through record() to join the chain
        AuditRecord.objects.create(action="test.sneaky", target_type="x", target_id="1")
    assert AuditRecord.objects.get().action == "test.step"
    assert verify_chain().ok


def test_deleting_a_user_keeps_their_records_and_the_chain_intact(program):
    user = UserFactory()
    record(action="test.by_user", target=program, actor=user)
    user_id = user.pk
    user.delete()
    assert AuditRecord.objects.get().actor_id == user_id
    assert verify_chain().ok


def test_a_missing_head_is_rebuilt_from_the_last_record(make_records, program):
    """After a flush the chain starts afresh; if only the head went, appending continues."""
    AuditChainHead.objects.all().delete()
    assert record(action="test.first", target=program).sequence == 1
    make_records(2)
    AuditChainHead.objects.all().delete()
    assert record(action="test.next", target=program).sequence == 4
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_gapless_chain(program):
    threads_count, per_thread = 8, 25
    start = threading.Barrier(threads_count)
    errors = []

    def append_many(worker: int):
        try:
            start.wait()
            for step in range(per_thread):
                # Like the real callers: audit inside the service's own transaction.
                with transaction.atomic():
                    record(action="test.concurrent", target=program, worker=worker, step=step)
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
    total = threads_count * per_thread
    assert list(AuditRecord.objects.order_by("sequence").values_list("sequence", flat=True)) == (
        list(range(1, total + 1))
    )
    result = verify_chain()
    assert result.ok, result.message
    assert result.records == total
    assert AuditChainHead.objects.get().sequence == total
