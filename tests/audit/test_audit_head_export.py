"""Chain heads exported outside the database: a rewrite made consistent inside it still shows.

The attacker here holds AUDIT_HMAC_KEY (a compromised app server) and write access to the
database: the walk alone cannot tell their rewrite from the truth, the export can.
"""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accessprogram import deployment
from accessprogram.audit.hashing import head_mac, link_hash, seal_of
from accessprogram.audit.head_export import day_file, export_heads, read_latest
from accessprogram.audit.models import GENESIS_HASH, PLATFORM_CHAIN, AuditChain
from accessprogram.audit.services import record
from accessprogram.audit.tasks import export_heads as export_heads_task
from accessprogram.audit.verify import verify_chain
from factories import ProgramFactory, UserFactory

EXPORT_FIELDS = {"chain", "sequence", "hash", "exported_at", "mac"}


def lines_of(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rewrite_with_key(tamper, chain: str, *, sequence: int, data: dict) -> None:
    """Edit one record, then re-seal, re-link and move the head as only the key holder can."""
    rows = tamper.rows(chain)
    prev = rows.get(sequence=sequence - 1).hash if sequence > 1 else GENESIS_HASH
    for entry in rows.filter(sequence__gte=sequence).order_by("sequence"):
        if entry.sequence == sequence:
            entry.data = {**entry.data, **data}
            entry.seal = seal_of(entry)
        entry.prev_hash = prev
        entry.hash = prev = link_hash(
            chain=chain, sequence=entry.sequence, seal=entry.seal, prev_hash=prev
        )
        rows.filter(pk=entry.pk).update(
            data=entry.data, seal=entry.seal, prev_hash=entry.prev_hash, hash=entry.hash
        )
    head = AuditChain.objects.get(pk=chain)
    AuditChain.objects.filter(pk=chain).update(
        hash=prev, mac=head_mac(chain=chain, sequence=head.sequence, hash_=prev)
    )


def cut_with_key(tamper, chain: str, *, keep: int) -> None:
    """Delete the records after `keep` and wind the head back to it, MAC and all."""
    tamper.rows(chain).filter(sequence__gt=keep).delete()
    last = tamper.rows(chain).get(sequence=keep).hash
    AuditChain.objects.filter(pk=chain).update(
        sequence=keep, hash=last, mac=head_mac(chain=chain, sequence=keep, hash_=last)
    )


def test_an_export_appends_one_signed_line_per_chain(make_records, program_chain, chain_head):
    make_records(3)
    other = ProgramFactory()
    first = export_heads()
    assert first.file == day_file(datetime.datetime.now(datetime.UTC))
    lines = lines_of(first.file)
    assert [line["chain"] for line in lines] == [program_chain]
    assert set(lines[0]) == EXPORT_FIELDS
    assert (lines[0]["sequence"], lines[0]["hash"]) == (3, chain_head().hash)
    before = first.file.read_bytes()

    make_records(2)
    record(action="test.other", target=other)  # pending: its head does not exist yet
    export_heads()
    after = first.file.read_bytes()
    assert after.startswith(before)  # appended, earlier lines untouched
    assert [(line["chain"], line["sequence"]) for line in lines_of(first.file)[1:]] == [
        (program_chain, 5)
    ]
    assert read_latest().heads[program_chain].sequence == 5
    assert verify_chain().ok


def test_each_day_has_its_own_file(make_records, audit_head_exports):
    make_records(1)
    export_heads(now=datetime.datetime(2026, 3, 1, 23, 59, tzinfo=datetime.UTC))
    export_heads(now=datetime.datetime(2026, 3, 2, 0, 1, tzinfo=datetime.UTC))
    names = sorted(path.name for path in audit_head_exports.iterdir())
    assert names == ["heads-2026-03-01.jsonl", "heads-2026-03-02.jsonl"]
    assert read_latest().file.name == "heads-2026-03-02.jsonl"


def test_a_rewrite_rehashed_with_the_key_and_the_head_moved_fails_verify(
    make_records, program_chain, tamper
):
    make_records(5)
    export_heads()
    rewrite_with_key(tamper, program_chain, sequence=2, data={"step": 99})
    result = verify_chain()
    assert not result.ok
    assert (result.chain, result.broken_at) == (program_chain, 5)
    assert "rewritten and re-hashed" in result.problem
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"Audit chain {program_chain} broken at record 5:" in str(failure.value)


def test_the_same_rewrite_passes_without_an_export(make_records, program_chain, tamper):
    """What the export adds: the walk alone accepts a key holder's rewrite."""
    make_records(5)
    rewrite_with_key(tamper, program_chain, sequence=2, data={"step": 99})
    result = verify_chain()
    assert result.ok, result.message
    assert "No head export yet" in result.message


def test_records_cut_and_the_head_wound_back_fail_verify(make_records, program_chain, tamper):
    make_records(5)
    export_heads()
    cut_with_key(tamper, program_chain, keep=3)
    result = verify_chain()
    assert (result.ok, result.chain, result.broken_at) == (False, program_chain, 4)
    assert "names record 5, but the chain ends at record 3: records cut off" in result.problem
    assert "AUDIT_HEAD_EXPORT_DIR" in result.problem  # the development reset, named


def test_a_chain_removed_with_its_head_is_reported(make_records, program_chain, tamper):
    make_records(2)
    export_heads()
    tamper.rows(program_chain).delete()
    AuditChain.objects.filter(pk=program_chain).delete()
    result = verify_chain()
    assert (result.ok, result.chain) == (False, program_chain)
    assert "the chain is not in the database" in result.problem


def test_a_recreated_development_database_under_old_exports_is_named_not_fatal(
    make_records, program_chain, tamper, caplog
):
    """`make run` on a fresh database with VAR_DIR/audit-heads left over: beat's export keeps
    running (logging), and verify says what happened and how to clear it."""
    make_records(4)
    export_heads()
    tamper.rows().delete()
    AuditChain.objects.all().delete()
    assert export_heads_task() == 1  # the old chain held; nothing raised
    assert f"Audit head export holds chain {program_chain} at record 4" in caplog.text
    message = verify_chain().message
    assert f"Audit chain {program_chain} broken at record 1" in message
    assert "the database is recreated without clearing AUDIT_HEAD_EXPORT_DIR" in message


def test_later_exports_hold_the_furthest_head_so_waiting_does_not_hide_a_cut(
    make_records, program_chain, tamper
):
    make_records(5)
    export_heads()
    cut_with_key(tamper, program_chain, keep=3)
    with pytest.raises(CommandError) as failure:
        call_command("audit_export_heads", stdout=StringIO())
    assert f"Audit chain {program_chain} held at exported record 5" in str(failure.value)
    make_records(4)  # the chain grows past the old head again: records 4..7 are new ones
    export_heads()
    latest = read_latest().heads[program_chain]
    assert (latest.sequence, "no longer has the exported hash" in latest.held) == (5, True)
    assert not verify_chain().ok


def test_a_tampered_export_line_is_reported(make_records, program_chain):
    make_records(3)
    path = export_heads().file
    line = lines_of(path)[0]
    path.write_text(json.dumps({**line, "sequence": 1}) + "\n")  # storage rewritten
    result = verify_chain()
    assert not result.ok
    message = result.message
    assert f"Audit head export {path.name} line 1 ({program_chain}): its MAC does not match" in (
        message
    )
    path.write_text("not json\n")
    assert "line 1 (unknown chain): unreadable" in verify_chain().message


def test_the_command_and_the_task_both_export(make_records, program_chain):
    make_records(2)
    out = StringIO()
    call_command("audit_export_heads", stdout=out)
    assert out.getvalue().startswith("Exported 1 chain heads to ")
    assert export_heads_task() == 1
    assert export_heads_task.name == "audit.export_heads"
    path = read_latest().file
    assert [line["sequence"] for line in lines_of(path)] == [2, 2]


def test_the_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["export-audit-heads"]
    assert entry["task"] == "audit.export_heads"
    assert entry["schedule"] == 300.0


def test_the_console_check_compares_with_the_export(client, make_records, program_chain, tamper):
    client.force_login(UserFactory(is_superuser=True))
    make_records(3)
    export_heads()
    page = client.get("/console/audit/", {"verify": "1"}).content.decode()
    assert "Compared with the head export of" in page
    cut_with_key(tamper, program_chain, keep=2)
    page = client.get("/console/audit/", {"verify": "1"}).content.decode()
    assert f"Audit chain {program_chain} broken at record 3:" in page


def test_production_refuses_to_start_without_an_export_dir():
    required = {"C2PA_CERT_CHAIN_PATH", "C2PA_PRIVATE_KEY_PATH", "PORTAL_URL", "REDIS_URL"}
    problems = deployment.production_problems(
        debug=False,
        secrets={},
        explicitly_set=required,
        email_backend="django.core.mail.backends.smtp.EmailBackend",
        engine_url="https://engine.internal",
    )
    assert [problem.split(" ")[0] for problem in problems] == ["AUDIT_HEAD_EXPORT_DIR"]
    problems = deployment.production_problems(
        debug=False,
        secrets={},
        explicitly_set=required | {"AUDIT_HEAD_EXPORT_DIR"},
        email_backend="django.core.mail.backends.smtp.EmailBackend",
        engine_url="https://engine.internal",
    )
    assert problems == []


def test_the_platform_chain_is_exported_like_any_other(db, committed):
    with committed():
        record(action="test.platform", target=UserFactory())
    assert [head.chain for head in export_heads().heads] == [PLATFORM_CHAIN]
