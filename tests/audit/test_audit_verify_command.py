"""`manage.py audit_verify` and verify_chain() find the first broken link of each chain."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accessprogram.audit.hashing import hash_of, link_hash, seal_of
from accessprogram.audit.models import AuditChain, AuditRecord, chain_for
from accessprogram.audit.services import record
from accessprogram.audit.verify import verify_chain
from factories import ProgramFactory, UserFactory


def run_verify(*args) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def assert_broken_at(program_chain):
    def check(sequence: int | None, words: str, chain: str = program_chain) -> None:
        result = verify_chain()
        assert not result.ok
        assert (result.chain, result.broken_at) == (chain, sequence), result.message
        assert words in result.problem
        with pytest.raises(CommandError) as failure:
            call_command("audit_verify")
        assert failure.value.returncode == 1  # the exit status on the command line
        where = f"record {sequence}:" if sequence else "a pending record:"
        assert f"Audit chain {chain} broken at {where}" in str(failure.value)
        assert words in str(failure.value)

    return check


def test_an_intact_chain_passes(make_records, chain_head, program_chain):
    make_records(5)
    output = run_verify()
    assert output.startswith("Audit chains intact: 5 records in 1 chain, 0 awaiting linking")
    assert f"{program_chain}: 5 records, head {chain_head().hash[:16]}" in output


def test_an_empty_log_passes(db):
    assert run_verify().startswith("Audit chains intact: 0 records in 0 chains")
    AuditChain.objects.all().delete()  # as after a database flush
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
        {"seal": "0" * 64},
    ],
    ids=lambda change: next(iter(change)),
)
def test_an_edited_record_is_named(make_records, tamper, change, assert_broken_at):
    make_records(5)
    tamper.rows().filter(sequence=3).update(**change)
    assert_broken_at(3, "do not match its seal (record edited")


def test_an_edit_in_raw_sql_is_named(make_records, tamper, assert_broken_at):
    make_records(4)
    tamper.sql("UPDATE {table} SET action = %s WHERE sequence = %s", ["token.revoked", 2])
    assert_broken_at(2, "record edited")


def test_an_edited_link_hash_is_named(make_records, tamper, assert_broken_at):
    make_records(4)
    tamper.rows().filter(sequence=4).update(hash="f" * 64)
    assert_broken_at(4, "its hash does not match its link")


def test_an_edit_re_sealed_with_the_key_breaks_the_next_link(
    make_records, tamper, assert_broken_at
):
    """Even someone holding the key must rewrite every later link, and the head."""
    make_records(4)
    entry = tamper.rows().get(sequence=2)
    entry.data = {"step": 42}
    entry.seal = seal_of(entry)
    tamper.rows().filter(sequence=2).update(data=entry.data, seal=entry.seal, hash=hash_of(entry))
    assert_broken_at(3, "prev_hash does not match the hash of record 2")


def test_a_deleted_record_in_the_middle_is_named(
    make_records, tamper, program_chain, assert_broken_at
):
    make_records(6)
    tamper.delete(4, chain=program_chain)
    assert_broken_at(4, "record 4 is missing (deleted)")


def test_several_deleted_records_are_named_as_a_range(make_records, tamper, assert_broken_at):
    make_records(8)
    tamper.rows().filter(sequence__in=[3, 4, 5]).delete()
    assert_broken_at(3, "records 3 to 5 are missing")


def test_deleting_the_first_record_is_noticed(
    make_records, tamper, program_chain, assert_broken_at
):
    make_records(3)
    tamper.delete(1, chain=program_chain)
    assert_broken_at(1, "record 1 is missing")


def test_a_deleted_and_renumbered_record_is_noticed(
    make_records, tamper, program_chain, assert_broken_at
):
    make_records(5)
    tamper.delete(3, chain=program_chain)
    for sequence in (4, 5):
        tamper.rows().filter(sequence=sequence).update(sequence=sequence - 1)
    AuditChain.objects.update(sequence=4)
    assert_broken_at(3, "prev_hash does not match the hash of record 2")


def test_deleting_the_last_record_is_caught_by_the_head(
    make_records, tamper, program_chain, assert_broken_at
):
    make_records(5)
    tamper.delete(5, chain=program_chain)
    assert_broken_at(5, "chain ends at record 5, but the last record is 4")


def test_deleting_every_record_is_caught_by_the_head(make_records, tamper, assert_broken_at):
    make_records(3)
    tamper.rows().all().delete()
    assert_broken_at(1, "chain ends at record 3, but the last record is 0")


def test_swapped_records_are_named(make_records, tamper, program_chain, assert_broken_at):
    make_records(6)
    tamper.swap_sequences(2, 5, chain=program_chain)
    assert_broken_at(2, "prev_hash does not match the hash of record 1")


def test_a_record_moved_to_another_chain_is_named_in_both(make_records, tamper, program_chain):
    other = chain_for(ProgramFactory().slug)
    make_records(3)
    tamper.rows().filter(sequence=3).update(chain=other, sequence=1)
    chains = {chain.chain: chain for chain in verify_chain().chains}
    assert (chains[program_chain].ok, chains[program_chain].broken_at) == (False, 3)
    assert "chain ends at record 3, but the last record is 2" in chains[program_chain].problem
    assert (chains[other].ok, chains[other].broken_at) == (False, 1)
    assert "prev_hash does not match the hash of the start" in chains[other].problem


def test_records_cut_off_the_end_with_the_head_wound_back_are_named(
    make_records, tamper, program_chain, assert_broken_at
):
    """The head is rewritten to name the new last record, as anyone could without the key."""
    make_records(5)
    tamper.rows(program_chain).filter(sequence__in=[4, 5]).delete()
    AuditChain.objects.update(sequence=3, hash=tamper.rows(program_chain).get(sequence=3).hash)
    assert_broken_at(3, "chain head's MAC does not match it")


def test_a_chain_cut_to_nothing_with_its_head_wound_back_is_named(
    make_records, tamper, program_chain, assert_broken_at
):
    make_records(1)
    tamper.rows(program_chain).delete()
    AuditChain.objects.update(sequence=0, hash="0" * 64)
    assert_broken_at(1, "chain head's MAC does not match it")


def test_a_changed_head_is_named(make_records, assert_broken_at):
    make_records(3)
    AuditChain.objects.update(hash="f" * 64)
    assert_broken_at(3, "chain head names a different hash")


def test_a_missing_head_is_named(make_records, assert_broken_at):
    make_records(3)
    AuditChain.objects.all().delete()
    assert_broken_at(3, "chain head is missing")


def test_a_record_added_past_the_head_is_named(make_records, tamper, assert_broken_at):
    make_records(3)
    AuditChain.objects.update(sequence=2, hash=tamper.rows().get(sequence=2).hash)
    assert_broken_at(3, "lie beyond the chain head")


def test_a_record_inserted_without_the_key_is_named(
    make_records, tamper, program_chain, assert_broken_at
):
    """Written straight into the table as if linked, with hashes computed under a guessed key."""
    make_records(2)
    last = tamper.rows().get(sequence=2)
    forged = AuditRecord(
        chain=program_chain,
        sequence=3,
        occurred_at=last.occurred_at,
        action="access.reinstated",
        target_type="access.accessblock",
        target_id="1",
        data={},
        seal="a" * 64,
        prev_hash=last.hash,
    )
    forged.hash = link_hash(chain=program_chain, sequence=3, seal=forged.seal, prev_hash=last.hash)
    tamper.rows().bulk_create([forged])
    AuditChain.objects.update(sequence=3, hash=forged.hash)
    assert_broken_at(3, "do not match its seal")


def test_a_pending_record_edited_before_its_link_is_named(program, tamper, assert_broken_at):
    entry = record(action="access.revocation", target=program)  # not linked: no commit here
    tamper.rows().filter(pk=entry.pk).update(action="access.reinstated")
    assert_broken_at(None, f"id {entry.pk}: its contents do not match its seal")


def test_each_broken_chain_is_reported(make_records, program_chain, committed, tamper):
    other = ProgramFactory()
    make_records(3)
    with committed():
        for step in range(3):
            record(action="test.other", target=other, step=step)
            record(action="test.platform", target=UserFactory(), step=step)
    tamper.rows(program_chain).filter(sequence=2).update(data={"step": 7})
    tamper.rows(chain_for(other.slug)).filter(sequence=3).update(data={"step": 7})
    result = verify_chain()
    assert [(chain.chain, chain.ok, chain.broken_at) for chain in result.chains] == sorted(
        [
            ("platform", True, None),
            (program_chain, False, 2),
            (chain_for(other.slug), False, 3),
        ]
    )
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"Audit chain {program_chain} broken at record 2:" in str(failure.value)
    assert f"Audit chain {chain_for(other.slug)} broken at record 3:" in str(failure.value)
    assert run_verify("--chain", "platform").startswith("Audit chains intact: 3 records in 1")


def test_link_pending_links_before_checking(program, db):
    record(action="test.orphan", target=program)
    output = run_verify("--link-pending")
    assert output.startswith("Linked 1 pending records.\nAudit chains intact: 1 records")


def test_the_walk_reads_in_chunks_and_still_finds_a_late_break(make_records, tamper):
    make_records(60)
    assert verify_chain(chunk_size=7).records == 60
    tamper.rows().filter(sequence=57).update(data={"step": 0})
    result = verify_chain(chunk_size=7)
    assert (result.ok, result.broken_at, result.records) == (False, 57, 56)
