"""A revocation never waits for someone else's audited work, in another program or its own.

Each test holds a real audited transaction open in a thread (a CSV invitation import, as long as
an event keeps it) and revokes meanwhile on the test's own connection, with PostgreSQL's
lock_timeout set: waiting for any lock the import holds would fail the revocation with
LockNotAvailable instead of hanging. Before audit chains were split and linked after commit,
every audited write locked the one chain head until its commit, and these revocations waited.
"""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import ApiToken
from accessprogram.access.revocation import kill_switch
from accessprogram.access.services import revoke_token
from accessprogram.audit.models import AuditRecord, chain_for
from accessprogram.audit.verify import verify_chain
from accessprogram.programs.invitations import bulk_invite
from factories import MembershipFactory, ProgramFactory, UserFactory, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has one writer at a time for the whole database: any open write transaction "
            "holds up every other, audited or not. Row locks are PostgreSQL's."
        )


@contextmanager
def long_import(program, *, rows: int = 25):
    """An invitation import in `program`, its transaction held open until the block ends."""
    manager = MembershipFactory(program=program, role="program_manager").user
    text = "\n".join(f"Artist {n},artist{n}@example.com," for n in range(rows))
    in_flight, release, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                bulk_invite(program=program, text=text, actor=manager)
                in_flight.set()
                release.wait(timeout=120)
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            in_flight.set()
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert in_flight.wait(timeout=60) and not errors, errors
        yield thread
    finally:
        release.set()
        thread.join(timeout=60)
    assert not errors, errors


@contextmanager
def refusing_to_wait_for_locks():
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


def assert_every_chain_intact():
    result = verify_chain()
    assert result.ok, result.message
    assert result.pending == 0


def test_a_kill_switch_does_not_wait_for_another_programs_audited_import(eager_celery):
    busy, quiet = ProgramFactory(), ProgramFactory()
    staff = UserFactory()
    with long_import(busy) as import_in_flight, refusing_to_wait_for_locks():
        block = kill_switch(program=quiet, reason="token found in a public demo", actor=staff)
        assert import_in_flight.is_alive()  # returned while the import is still open
        # Already linked into its own chain, without waiting for the import's commit.
        revoked = AuditRecord.objects.get(action="access.suspension", target_id=str(block.pk))
        assert (revoked.chain, revoked.sequence) == (chain_for(quiet.slug), 1)
    assert blocks_in_force().filter(program=quiet).exists()
    # The import is summed up by one record naming its 25 addresses.
    (imported,) = AuditRecord.objects.filter(action="invitation.import", chain=chain_for(busy.slug))
    assert imported.data["count"] == 25
    assert_every_chain_intact()


def test_revocations_in_the_same_program_do_not_wait_for_its_audited_import(eager_celery):
    busy = ProgramFactory()
    staff = UserFactory()
    testers = [MembershipFactory(program=busy) for _ in range(5)]
    for tester in testers:
        token_for(tester)
    with long_import(busy) as import_in_flight, refusing_to_wait_for_locks():
        for token in ApiToken.objects.filter(membership__program=busy):
            assert revoke_token(token=token, reason="leaked", actor=staff)
        kill_switch(program=busy, reason="pause everything", actor=staff)
        assert import_in_flight.is_alive()
        revocations = AuditRecord.objects.filter(
            chain=chain_for(busy.slug), action__startswith="access."
        )
        assert revocations.count() == 6
        assert not revocations.filter(sequence__isnull=True).exists()  # linked at their commit
    assert not ApiToken.objects.filter(membership__program=busy, revoked_at__isnull=True).exists()
    # The import committed after the revocations: its records joined the chain after theirs.
    chain = AuditRecord.objects.filter(chain=chain_for(busy.slug)).order_by("sequence")
    actions = list(chain.values_list("action", flat=True))
    assert actions[-1] == "invitation.import"
    assert_every_chain_intact()


def test_revocations_do_not_wait_for_a_transaction_holding_their_program_row(eager_celery):
    """A program-wide transaction (a period close, a settings change) locks its program row
    FOR NO KEY UPDATE; revoking a token must lock the token alone, and the kill switch's new
    block (which references the program) must not need more than a key-share lock."""
    busy = ProgramFactory()
    staff = UserFactory()
    token_for(MembershipFactory(program=busy))
    holding, release, errors = threading.Event(), threading.Event(), []

    def hold_program_row():
        try:
            with transaction.atomic():
                type(busy).objects.select_for_update(no_key=True).get(pk=busy.pk)
                holding.set()
                release.wait(timeout=120)
        except Exception as error:
            errors.append(error)
        finally:
            holding.set()
            connection.close()

    holder = threading.Thread(target=hold_program_row)
    holder.start()
    try:
        assert holding.wait(timeout=60) and not errors, errors
        with refusing_to_wait_for_locks():
            assert revoke_token(token=ApiToken.objects.get(), reason="leaked", actor=staff)
            kill_switch(program=busy, reason="pause everything", actor=staff)
            assert holder.is_alive()
    finally:
        release.set()
        holder.join(timeout=60)
    assert not errors, errors
    assert_every_chain_intact()
