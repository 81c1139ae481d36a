"""A confirmed CSV import runs in the background: one at a time, all or nothing, retry-safe."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accessprogram.audit.models import AuditRecord
from accessprogram.operations.models import BackgroundOperation
from accessprogram.operations.tasks import queue_invitation_import, run_invitation_import
from accessprogram.programs import invitations
from accessprogram.programs.models import Invitation, Membership
from factories import MembershipFactory, UserFactory


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)


def csv_of(count: int, start: int = 0) -> str:
    return "".join(f"Tester {i},tester{i}@example.com,\n" for i in range(start, start + count))


def test_the_import_runs_once_and_a_second_file_waits(program, manager, mailoutbox):
    operation, started = queue_invitation_import(
        program=program, text=csv_of(3), actor=manager.user
    )
    _, started_again = queue_invitation_import(
        program=program, text=csv_of(2, 10), actor=manager.user
    )
    assert (started, started_again) == (True, False)

    run_invitation_import(operation.pk)
    operation.refresh_from_db()
    assert operation.status == BackgroundOperation.Status.DONE
    assert operation.result["summary"] == "3 invitations sent."
    assert Invitation.objects.count() == 3
    (summary,) = AuditRecord.objects.filter(action__startswith="invitation.")
    assert summary.action == "invitation.import" and summary.data["count"] == 3
    assert summary.data["emails"] == [f"tester{i}@example.com" for i in range(3)]
    assert len(mailoutbox) == 0  # sent by their own tasks once the import has committed

    run_invitation_import(operation.pk)  # redelivered: finds it done, invites nobody again
    assert Invitation.objects.count() == 3
    assert queue_invitation_import(program=program, text=csv_of(1, 20), actor=manager.user)[1]


def test_a_file_that_went_stale_fails_whole_with_the_reason(program, manager):
    operation, _ = queue_invitation_import(program=program, text=csv_of(3), actor=manager.user)
    # Between the preview and the task, one address joined the program.
    MembershipFactory(program=program, user=UserFactory(email="tester1@example.com"))
    run_invitation_import(operation.pk)
    operation.refresh_from_db()
    assert operation.status == BackgroundOperation.Status.FAILED
    assert "rows have errors; nothing was sent" in operation.error
    assert not Invitation.objects.exists()


def test_checking_a_file_costs_the_same_queries_for_10_and_2000_rows(program):
    with CaptureQueriesContext(connection) as small:
        assert len(invitations.check_csv(program=program, text=csv_of(10))) == 10
    with CaptureQueriesContext(connection) as large:
        rows = invitations.check_csv(program=program, text=csv_of(2000))
    assert len(rows) == 2000 and not any(row.errors for row in rows)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_invitations_page_shows_the_import_progress(client, program, manager):
    client.force_login(manager.user)
    operation, _ = queue_invitation_import(program=program, text=csv_of(2), actor=manager.user)
    page = client.get(reverse("console:invitations", args=[program.slug])).content.decode()
    assert reverse("console:operation", args=[program.slug, operation.pk]) in page
    finance = MembershipFactory(program=program, role=Membership.Role.FINANCE)
    client.force_login(finance.user)  # not someone who may import
    url = reverse("console:operation", args=[program.slug, operation.pk])
    assert client.get(url).status_code == 404
