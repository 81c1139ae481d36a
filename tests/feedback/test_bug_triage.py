"""Staff triage bug reports: statuses, duplicates, comments, notes, emails, pay on confirm."""

import pytest

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import LedgerEntry
from accessprogram.feedback import bugs
from accessprogram.feedback.models import BugEvent, BugReport
from accessprogram.feedback.services import FeedbackError
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bug(tester):
    return bugs.file_bug(
        membership=tester,
        title="Audio drifts",
        steps="Generate 12 s",
        expected="In sync",
        actual="Drifts",
        severity="medium",
    )


def status_url(program, bug):
    return f"/console/feedback/{program.slug}/bugs/{bug.pk}/status"


def test_confirming_pays_once_notifies_and_shows_to_the_reporter(
    manager_client,
    tester_client,
    program,
    bug,
    tester,
    rate_card,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            status_url(program, bug), {"status": "confirmed", "note": "Reproduced on 12 s."}
        )
    assert response.status_code == 302
    bug.refresh_from_db()
    assert bug.status == "confirmed" and bug.confirmed_at is not None
    (entry,) = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.AWARD_BUG)
    assert (entry.membership, str(entry.amount)) == (tester, "20.00")
    (mail,) = mailoutbox
    assert mail.to == [tester.user.email]
    assert "is now confirmed" in mail.subject
    assert "Reproduced on 12 s." in mail.body
    assert f"/feedback/bugs/{bug.pk}/" in mail.body

    page = tester_client.get(f"/feedback/bugs/{bug.pk}/").content.decode()
    assert "<strong>Confirmed</strong>" in page
    assert "Reproduced on 12 s." in page

    # Fixed, then confirmed again: still one payment.
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(status_url(program, bug), {"status": "fixed"})
        manager_client.post(status_url(program, bug), {"status": "confirmed"})
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.AWARD_BUG).count() == 1
    assert len(mailoutbox) == 3
    assert AuditRecord.objects.filter(action="feedback.bug.status").count() == 3


def test_a_confirmed_bug_marked_duplicate_keeps_its_payment(
    manager_client, program, bug, tester, rate_card
):
    original = bugs.file_bug(
        membership=MembershipFactory(program=program),
        title="Audio drift",
        steps="s",
        expected="e",
        actual="a",
        severity="low",
    )
    manager_client.post(status_url(program, bug), {"status": "confirmed"})
    page = manager_client.get(f"/console/feedback/{program.slug}/bugs/{bug.pk}/").content.decode()
    assert "does not take the payment back" in page
    response = manager_client.post(
        status_url(program, bug), {"status": "duplicate", "duplicate_of": original.pk}
    )
    assert response.status_code == 302
    bug.refresh_from_db()
    assert (bug.status, bug.duplicate_of) == ("duplicate", original)
    assert LedgerEntry.objects.filter(membership=tester).count() == 1


def test_a_duplicate_must_name_a_report_of_the_same_program(manager_client, program, bug):
    elsewhere = bugs.file_bug(
        membership=MembershipFactory(program=ProgramFactory()),
        title="x",
        steps="s",
        expected="e",
        actual="a",
        severity="low",
    )
    for data in (
        {"status": "duplicate"},
        {"status": "duplicate", "duplicate_of": elsewhere.pk},
        {"status": "duplicate", "duplicate_of": bug.pk},
    ):
        response = manager_client.post(status_url(program, bug), data)
        assert response.status_code == 422, data
    bug.refresh_from_db()
    assert (bug.status, bug.duplicate_of) == ("new", None)
    assert not BugEvent.objects.exists()


def test_internal_notes_stay_with_staff(
    manager_client, tester_client, program, bug, mailoutbox, django_capture_on_commit_callbacks
):
    comment_url = f"/console/feedback/{program.slug}/bugs/{bug.pk}/comment"
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(comment_url, {"body": "Probably the muxer.", "internal": "on"})
        manager_client.post(comment_url, {"body": "Thanks, we can reproduce it."})
    assert [m.to for m in mailoutbox] == [[bug.reporter.email]]
    assert "Thanks, we can reproduce it." in mailoutbox[0].body
    page = tester_client.get(f"/feedback/bugs/{bug.pk}/").content.decode()
    assert "Thanks, we can reproduce it." in page
    assert "Probably the muxer." not in page
    staff_page = manager_client.get(f"/console/feedback/{program.slug}/bugs/{bug.pk}/")
    assert "Probably the muxer." in staff_page.content.decode()


def test_the_reporter_can_reply(tester_client, bug, mailoutbox):
    response = tester_client.post(f"/feedback/bugs/{bug.pk}/comment", {"body": "Also at 8 s."})
    assert response.status_code == 302
    event = BugEvent.objects.get()
    assert (event.by_staff, event.internal, event.author) == (False, False, bug.reporter)
    assert mailoutbox == []


def test_triage_is_for_managers_of_the_program(program, bug):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    stranger = MembershipFactory(
        program=ProgramFactory(), role=Membership.Role.PROGRAM_MANAGER
    ).user
    assert (
        signed_in(reviewer).get(f"/console/feedback/{program.slug}/bugs/{bug.pk}/").status_code
        == 200
    )
    for user in (reviewer, stranger):
        client = signed_in(user)
        assert client.post(status_url(program, bug), {"status": "confirmed"}).status_code == 404
    assert (
        signed_in(stranger).get(f"/console/feedback/{program.slug}/bugs/{bug.pk}/").status_code
        == 404
    )
    bug.refresh_from_db()
    assert bug.status == "new"


def test_the_same_status_twice_is_refused(bug, manager):
    bugs.change_status(bug=bug, status="wont_fix", actor=manager)
    with pytest.raises(FeedbackError):
        bugs.change_status(bug=bug, status="wont_fix", actor=manager)
    assert BugReport.objects.get().status == "wont_fix"


def test_staff_correct_the_severity_when_confirming_and_pay_by_it(
    manager_client, program, bug, tester, rate_card
):
    response = manager_client.post(
        status_url(program, bug), {"status": "confirmed", "severity": "low"}
    )
    assert response.status_code == 302
    bug.refresh_from_db()
    assert bug.severity == "low"
    (entry,) = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.AWARD_BUG)
    assert entry.amount == rate_card.per_bug_low
    audit = AuditRecord.objects.get(action="feedback.bug.status")
    assert (audit.data["reported_severity"], audit.data["severity"]) == ("medium", "low")


def test_a_paid_report_keeps_its_severity(manager_client, program, bug, rate_card):
    manager_client.post(status_url(program, bug), {"status": "confirmed"})
    response = manager_client.post(
        status_url(program, bug), {"status": "fixed", "severity": "critical"}
    )
    assert response.status_code == 422
    assert "paid at its severity already" in response.content.decode()
    bug.refresh_from_db()
    assert (bug.status, bug.severity) == ("confirmed", "medium")


def test_a_newline_in_the_title_does_not_stop_the_email(
    manager_client, program, tester, mailoutbox, django_capture_on_commit_callbacks
):
    bug = bugs.file_bug(
        membership=tester,
        title="Line one\nLine two",
        steps="s",
        expected="e",
        actual="a",
        severity="low",
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(status_url(program, bug), {"status": "confirmed"})
    (mail,) = mailoutbox
    assert "\n" not in mail.subject and "Line one Line two" in mail.subject
