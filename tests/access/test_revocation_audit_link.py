"""A revocation's audit record commits with it, sealed; its link into the chain is the safety
worker's, so the revoking call returns without a second transaction (audit.chain, link_queue).

The broker message is watched here instead of sent (a worker of the `safety` queue would run
it); then the task runs as that worker would, and the chain verifies.
"""

from unittest import mock

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from accessprogram.access.leaks import ReportedString, report_leaked_tokens
from accessprogram.access.models import ApiToken
from accessprogram.access.revocation import SAFETY_QUEUE, kill_switch, resume_program
from accessprogram.access.services import revoke_token
from accessprogram.audit.models import AuditChain, AuditRecord, chain_for
from accessprogram.audit.services import record
from accessprogram.audit.tasks import link_pending_records
from accessprogram.audit.verify import verify_chain
from factories import token_for

# Real commits: what runs after commit (the links) runs as it does in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent():
    """`with sent() as messages:` link requests sent meanwhile are collected, not run."""
    from contextlib import contextmanager

    @contextmanager
    def capture():
        messages = []
        with mock.patch.object(
            link_pending_records,
            "apply_async",
            side_effect=lambda **options: messages.append(options),
        ):
            yield messages

    return capture


@pytest.fixture
def api_token(tester):
    from accessprogram.access import tokens

    return ApiToken.objects.get(digest=tokens.digest(token_for(tester)))


@pytest.mark.parametrize("action", ["revoke_token", "kill_switch", "resume", "leak_report"])
def test_safety_actions_return_before_their_record_is_linked(
    action, program, api_token, staff, sent
):
    chain = chain_for(program.slug)
    if action == "resume":
        with sent():
            kill_switch(program=program, reason="pause", actor=staff)
    leaked = token_for(api_token.membership, "leaked")
    before = AuditRecord.objects.filter(chain=chain).count()
    run = {
        "revoke_token": lambda: revoke_token(token=api_token, reason="leaked", actor=staff),
        "kill_switch": lambda: kill_switch(program=program, reason="leak", actor=staff),
        "resume": lambda: resume_program(program=program, actor=staff),
        "leak_report": lambda: report_leaked_tokens(
            found=[ReportedString(token=leaked, url="https://x.test/1")]
        ),
    }[action]
    with sent() as messages, CaptureQueriesContext(transaction.get_connection()) as queries:
        run()
    # One request to link the program's chain, on the safety queue; no head touched meanwhile.
    assert messages == [{"kwargs": {"chain": chain}, "queue": SAFETY_QUEUE}]
    assert not any("audit_auditchain" in query["sql"] for query in queries.captured_queries)
    written = AuditRecord.objects.filter(chain=chain).order_by("pk")[before:]
    assert written and all(entry.sequence is None for entry in written)  # sealed, pending

    assert link_pending_records(chain=chain) >= len(written)  # what the safety worker runs
    result = verify_chain(chains=[chain])
    assert (result.ok, result.pending) == (True, 0)
    assert AuditChain.objects.get(pk=chain).sequence == result.records


def test_an_immediate_link_in_the_same_transaction_links_everything_at_once(program, staff, sent):
    """A safety action inside a wider transaction that also writes ordinary records: the one
    link after commit is done in the call, covering the revocation's record too."""
    with sent() as messages, transaction.atomic():
        kill_switch(program=program, reason="leak", actor=staff)
        record(action="test.note", target=program)
    assert messages == []
    result = verify_chain(chains=[chain_for(program.slug)])
    assert (result.ok, result.records, result.pending) == (True, 2, 0)
