"""A commit never waits for another link of its chain: a task links the chain instead."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from accessprogram.audit.models import AuditChain, AuditRecord, chain_for
from accessprogram.audit.services import record
from accessprogram.audit.tasks import link_pending_records
from accessprogram.audit.verify import verify_chain


@pytest.mark.django_db(transaction=True)
def test_a_busy_head_hands_the_link_to_a_task(program):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: its writers take turns on the whole database.")
    chain = chain_for(program.slug)
    record(action="test.first", target=program)  # autocommit: linked at once, creates the head
    holding, release = threading.Event(), threading.Event()

    def hold_head():  # another link of the same chain, caught in the middle
        try:
            with transaction.atomic():
                AuditChain.objects.select_for_update().get(pk=chain)
                holding.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_head)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        with mock.patch.object(link_pending_records, "delay") as queued:
            entry = record(action="access.revocation", target=program)  # commits, then links
        queued.assert_called_once_with(chain=chain)
        assert AuditRecord.objects.get(pk=entry.pk).sequence is None  # sealed, not linked yet
    finally:
        release.set()
        holder.join(timeout=30)
    assert link_pending_records(chain=chain) == 1  # what the worker does with it
    assert AuditRecord.objects.get(pk=entry.pk).sequence == 2
    result = verify_chain()
    assert (result.ok, result.records, result.pending) == (True, 2, 0)
