"""Decisions reach the tester: a portal notification (unread badge in the nav, a list, mark
read) and an email sent after commit."""

import pytest
from sharing_helpers import approve, ask, finished_output

from clients import signed_in
from factories import MembershipFactory
from review.approvals import revoke_approval
from review.claims import claim_next_share_request
from review.models import Notification, ShareLink
from review.services import decide, revoke_share_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def share_request(tester, media_root):
    return ask(finished_output(tester=tester.user, program=tester.program), tester.user)


def decide_now(share_request, reviewer, **kwargs):
    claim_next_share_request(reviewer=reviewer)
    return decide(share_request=share_request, reviewer=reviewer, **kwargs)


def test_an_approval_notifies_and_emails_the_tester_after_commit(
    share_request, reviewer, tester, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "https://portal.example"
    with django_capture_on_commit_callbacks(execute=True):
        approve(share_request, reviewer)

    notification = Notification.objects.get(user=tester.user)
    assert notification.kind == "approved"
    assert notification.share_request == share_request
    token = ShareLink.objects.get().token
    # The stored notification refers to the request, never the link itself (staff browse these).
    assert token not in notification.body and token not in notification.url
    assert notification.url == f"/review/mine/#request-{share_request.pk}"
    mail = next(m for m in mailoutbox if m.to == [tester.user.email])
    assert mail.subject == "Your share request was approved"
    assert f"https://portal.example/s/{token}/" in mail.body
    assert f"https://portal.example/review/mine/#request-{share_request.pk}" in mail.body


def test_no_email_when_the_decision_rolls_back(share_request, reviewer, mailoutbox):
    # Without commit (the test's transaction never commits), the email is never sent.
    decide_now(share_request, reviewer, outcome="reject", reason_code="nsfw")
    assert Notification.objects.count() == 1
    assert mailoutbox == []


def test_a_rejection_tells_the_reason_and_the_way_forward(
    share_request, reviewer, tester, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide_now(share_request, reviewer, outcome="reject", reason_code="likeness", note="A face")
    notification = Notification.objects.get()
    assert notification.kind == "rejected"
    assert "likeness" in notification.body and "A face" in notification.body
    assert "resubmit it once" in notification.body
    assert len(mailoutbox) == 1


def test_a_first_of_two_approvals_tells_nothing_yet(
    program, tester, reviewer, make_reviewer, media_root
):
    program.approval_policy = "two_reviewers"
    program.save()
    share_request = ask(finished_output(tester=tester.user, program=program), tester.user)
    decide_now(share_request, reviewer, outcome="approve")
    assert not Notification.objects.exists()
    decide_now(share_request, make_reviewer(program), outcome="approve")
    assert Notification.objects.get().kind == "approved"


def test_revocations_by_staff_notify_the_tester_but_their_own_does_not(
    share_request, reviewer, tester
):
    approve(share_request, reviewer)
    link = ShareLink.objects.get()
    revoke_share_link(link=link, actor=tester.user, reason="changed my mind")
    assert not Notification.objects.exclude(kind="approved").exists()

    share_request.refresh_from_db()
    revoke_approval(share_request=share_request, actor=reviewer, reason="rights unclear")
    assert Notification.objects.get(kind="approval_revoked").body.endswith("rights unclear")


def test_the_nav_badge_the_list_and_marking_read(share_request, reviewer, tester):
    decide_now(share_request, reviewer, outcome="request_changes", note="Shorter caption")
    browser = signed_in(tester.user)

    home = browser.get("/").content.decode()
    assert 'data-testid="unread-count"' in home
    assert '>1<span class="visually-hidden"> unread notification</span>' in home

    page = browser.get("/review/notifications/").content.decode()
    assert "Changes requested on your share request" in page
    assert "Shorter caption" in page
    notification = Notification.objects.get()

    response = browser.post(f"/review/notifications/{notification.pk}/read", {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/review/mine/#request-{share_request.pk}"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-testid="unread-count"' not in browser.get("/").content.decode()


def test_mark_all_read(share_request, reviewer, tester):
    decide_now(share_request, reviewer, outcome="request_changes", note="x")
    Notification.objects.create(user=tester.user, kind="approved", title="Another")
    browser = signed_in(tester.user)
    assert browser.post("/review/notifications/read-all").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_other_peoples_notifications_are_404(share_request, reviewer, program):
    decide_now(share_request, reviewer, outcome="request_changes", note="x")
    notification = Notification.objects.get()
    stranger = signed_in(MembershipFactory(program=program).user)
    assert stranger.post(f"/review/notifications/{notification.pk}/read").status_code == 404
    assert "Changes requested" not in stranger.get("/review/notifications/").content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notifications_stored_before_keep_no_share_url(share_request, tester):
    """The data migration rewrites old notification bodies that carried the full link."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("review.migrations.0004_notifications_without_share_urls")
    old = Notification.objects.create(
        user=tester.user,
        kind="approved",
        share_request=share_request,
        title="Your share request was approved",
        body='Your request to share "x" (web) was approved. Its public link: '
        "https://portal.example/s/SECRETTOKEN/ (it opens as soon as the shared copy is prepared).",
    )
    migration.drop_share_urls(apps, None)
    old.refresh_from_db()
    assert "SECRETTOKEN" not in old.body
    assert "Its public link is on your share requests page (it opens as soon" in old.body
