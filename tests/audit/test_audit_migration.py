"""Migration 0002 keeps the records of the single chain as the frozen, anchored legacy chain."""

import datetime
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import QuerySet

from accessprogram.audit.models import (
    GENESIS_HASH,
    LEGACY_ANCHOR_ACTION,
    AuditChain,
    AuditRecord,
    chain_for,
)
from accessprogram.audit.services import record
from accessprogram.audit.verify import verify_chain
from factories import ProgramFactory

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0002_chains")]


def old_hash(fields: dict) -> str:
    """The single chain's format, as audit.chain wrote it before the split."""
    payload = {
        **fields,
        "occurred_at": fields["occurred_at"]
        .astimezone(datetime.UTC)
        .isoformat(timespec="microseconds"),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_old_chain(apps, count: int, program_slug: str) -> list[str]:
    """Records and head as the pre-split code left them."""
    Record = apps.get_model("audit", "AuditRecord")
    Head = apps.get_model("audit", "AuditChainHead")
    prev_hash, hashes = GENESIS_HASH, []
    start = datetime.datetime(2026, 11, 1, 9, 30, tzinfo=datetime.UTC)
    for sequence in range(1, count + 1):
        fields = {
            "sequence": sequence,
            "occurred_at": start + datetime.timedelta(minutes=sequence),
            "actor_id": None,
            "action": "access.revocation" if sequence % 2 else "token.issued",
            "target_type": "programs.program",
            "target_id": "1",
            "data": {"program": program_slug, "step": sequence},
            "prev_hash": prev_hash,
        }
        prev_hash = old_hash(fields)
        Record.objects.create(**fields, hash=prev_hash)
        hashes.append(prev_hash)
    Head.objects.create(id=1, sequence=count, hash=prev_hash)
    return hashes


@pytest.fixture
def migrate():
    def to(target):
        executor = MigrationExecutor(connection)
        executor.migrate(target)
        return executor.loader.project_state(target).apps

    yield to
    to(MigrationExecutor(connection).loader.graph.leaf_nodes())  # whatever happened


@pytest.mark.django_db(transaction=True)
def test_existing_records_are_kept_unchanged_as_the_legacy_chain(migrate, tamper):
    program = ProgramFactory()
    old_apps = migrate(BEFORE)
    hashes = write_old_chain(old_apps, 6, program.slug)

    migrate(AFTER)
    legacy = list(AuditRecord.objects.filter(chain="legacy").order_by("sequence"))
    assert [(r.sequence, r.hash) for r in legacy] == list(enumerate(hashes, start=1))
    assert all(r.seal == "" for r in legacy)
    head = AuditChain.objects.get(pk="legacy")
    assert (head.sequence, head.hash) == (6, hashes[-1])
    anchor = AuditRecord.objects.get(chain="platform")
    assert (anchor.action, anchor.sequence) == (LEGACY_ANCHOR_ACTION, 1)
    assert (anchor.data["sequence"], anchor.data["hash"]) == (6, hashes[-1])
    result = verify_chain()
    assert result.ok, result.message
    assert result.records == 7

    # New records go to the program's own chain; the legacy chain stays as it is.
    record(action="test.after_split", target=program)
    assert AuditRecord.objects.get(action="test.after_split").chain == chain_for(program.slug)
    assert verify_chain().ok

    # An edit in the legacy chain is named there.
    tamper.rows("legacy").filter(sequence=4).update(data={"program": program.slug, "step": 0})
    result = verify_chain()
    assert (result.chain, result.broken_at) == ("legacy", 4)
    assert "record edited" in result.problem


@pytest.mark.django_db(transaction=True)
def test_a_legacy_chain_rewritten_and_re_hashed_fails_its_anchor(migrate):
    """Its sha256 links can be recomputed by anyone; the keyed anchor cannot."""
    old_apps = migrate(BEFORE)
    write_old_chain(old_apps, 4, "demo")
    migrate(AFTER)
    rows = QuerySet(model=AuditRecord).filter(chain="legacy")
    prev_hash = GENESIS_HASH
    for entry in rows.order_by("sequence"):
        fields = {
            name: getattr(entry, name)
            for name in ("sequence", "occurred_at", "actor_id", "action", "target_type")
        }
        fields |= {"target_id": entry.target_id, "data": {"rewritten": True}}
        fields["prev_hash"] = prev_hash
        prev_hash = old_hash(fields)
        rows.filter(pk=entry.pk).update(
            data=fields["data"], prev_hash=fields["prev_hash"], hash=prev_hash
        )
    AuditChain.objects.filter(pk="legacy").update(hash=prev_hash)
    result = verify_chain()
    assert (result.ok, result.chain, result.broken_at) == (False, "legacy", 4)
    assert "chain head's MAC does not match" in result.problem
    # Even with a head that matches (its MAC taken from the anchor's era is not enough).
    AuditChain.objects.filter(pk="legacy").delete()
    result = verify_chain()
    assert (result.ok, result.chain) == (False, "legacy")
    assert "chain head is missing" in result.problem


@pytest.mark.django_db(transaction=True)
def test_a_legacy_chain_removed_altogether_fails_its_anchor(migrate, tamper):
    old_apps = migrate(BEFORE)
    write_old_chain(old_apps, 3, "demo")
    migrate(AFTER)
    tamper.rows("legacy").delete()
    AuditChain.objects.filter(pk="legacy").delete()
    result = verify_chain()
    assert (result.ok, result.chain) == (False, "legacy")
    assert "differs from the one anchored in the platform chain" in result.problem


@pytest.mark.django_db(transaction=True)
def test_a_new_installation_starts_with_no_legacy_chain(migrate):
    migrate(BEFORE)
    migrate(AFTER)
    assert not AuditChain.objects.exists()
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_split_can_be_undone_before_any_new_record(migrate):
    old_apps = migrate(BEFORE)
    hashes = write_old_chain(old_apps, 3, "demo")
    migrate(AFTER)
    old_apps = migrate(BEFORE)
    Head = old_apps.get_model("audit", "AuditChainHead")
    Record = old_apps.get_model("audit", "AuditRecord")
    assert list(Head.objects.values_list("sequence", "hash")) == [(3, hashes[-1])]
    assert list(Record.objects.order_by("sequence").values_list("hash", flat=True)) == hashes
