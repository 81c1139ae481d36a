"""`manage.py audit_verify` and verify_chain() find the first broken link, however it broke."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accessprogram.audit.chain import hash_of
from accessprogram.audit.models import AuditChainHead
from accessprogram.audit.verify import verify_chain


def run_verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def assert_broken_at(sequence: int, words: str) -> None:
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == sequence, result.message
    assert words in result.problem
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1  # the exit status on the command line
    assert f"broken at record {sequence}:" in str(failure.value)
    assert words in str(failure.value)


def test_an_intact_chain_passes(make_records, chain_head):
    make_records(5)
    output = run_verify()
    assert output.startswith("Audit chain intact: 5 records, head ")
    assert chain_head().hash[:16] in output


def test_an_empty_log_passes(db):
    assert run_verify().startswith("Audit chain intact: 0 records, head 0000")
    AuditChainHead.objects.all().delete()  # as after a database flush
    assert verify_chain().ok


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"step": 99}},
        {"action": "test.harmless"},
        {"target_type": "programs.cohort"},
        {"target_id": "404"},
        {"occurred_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)},
        {"actor_id": 12345},
    ],
    ids=lambda change: next(iter(change)),
)
def test_an_edited_record_is_named(make_records, tamper, change):
    make_records(5)
    tamper.rows().filter(sequence=3).update(**change)
    assert_broken_at(3, "do not match its hash (record edited)")


def test_an_edit_in_raw_sql_is_named(make_records, tamper):
    make_records(4)
    tamper.sql("UPDATE {table} SET action = %s WHERE sequence = %s", ["token.revoked", 2])
    assert_broken_at(2, "record edited")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(make_records, tamper):
    make_records(4)
    entry = tamper.rows().get(sequence=2)
    entry.data = {"step": 42}
    tamper.rows().filter(sequence=2).update(data=entry.data, hash=hash_of(entry))
    assert_broken_at(3, "prev_hash does not match the hash of record 2")


def test_a_deleted_record_in_the_middle_is_named(make_records, tamper):
    make_records(6)
    tamper.delete(4)
    assert_broken_at(4, "record 4 is missing (deleted)")


def test_several_deleted_records_are_named_as_a_range(make_records, tamper):
    make_records(8)
    tamper.rows().filter(sequence__in=[3, 4, 5]).delete()
    assert_broken_at(3, "records 3 to 5 are missing")


def test_deleting_the_first_record_is_noticed(make_records, tamper):
    make_records(3)
    tamper.delete(1)
    assert_broken_at(1, "record 1 is missing")


def test_a_deleted_and_renumbered_record_is_noticed(make_records, tamper):
    make_records(5)
    tamper.delete(3)
    for sequence in (4, 5):
        tamper.rows().filter(sequence=sequence).update(sequence=sequence - 1)
    AuditChainHead.objects.update(sequence=4)
    assert_broken_at(3, "prev_hash does not match the hash of record 2")


def test_deleting_the_last_record_is_caught_by_the_head(make_records, tamper):
    make_records(5)
    tamper.delete(5)
    assert_broken_at(5, "chain ends at record 5, but the last record is 4")


def test_deleting_every_record_is_caught_by_the_head(make_records, tamper):
    make_records(3)
    tamper.rows().all().delete()
    assert_broken_at(1, "chain ends at record 3, but the last record is 0")


def test_swapped_records_are_named(make_records, tamper):
    make_records(6)
    tamper.swap_sequences(2, 5)
    assert_broken_at(2, "prev_hash does not match the hash of record 1")


def test_a_changed_head_is_named(make_records):
    make_records(3)
    AuditChainHead.objects.update(hash="f" * 64)
    assert_broken_at(3, "chain head names a different hash")


def test_a_missing_head_is_named(make_records):
    make_records(3)
    AuditChainHead.objects.all().delete()
    assert_broken_at(3, "chain head is missing")


def test_a_record_added_past_the_head_is_named(make_records, tamper):
    make_records(3)
    AuditChainHead.objects.update(sequence=2, hash=tamper.rows().get(sequence=2).hash)
    assert_broken_at(3, "lie beyond the chain head")


def test_the_walk_reads_in_chunks_and_still_finds_a_late_break(make_records, tamper):
    make_records(60)
    assert verify_chain(chunk_size=7).records == 60
    tamper.rows().filter(sequence=57).update(data={"step": 0})
    result = verify_chain(chunk_size=7)
    assert (result.ok, result.broken_at, result.records) == (False, 57, 56)
