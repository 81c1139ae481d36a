"""An approval inside its undo window is announced (email, portal, webhooks) only when its link
opens; an undone one never is."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from sharing_helpers import ask, finished_output

from clients import signed_in
from review import tasks
from review.announcements import announce_approval_when_live
from review.claims import claim_next_share_request
from review.models import Notification, ReviewDecision, ShareLink
from review.signals import share_request_decided

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def undo_window(settings):
    settings.SHARE_APPROVAL_UNDO_SECONDS = 10


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks.announce_approval, "apply_async", lambda **options: calls.append(options)
    )
    return calls


@pytest.fixture
def heard():
    events = []

    def receiver(sender, share_request, share_url, **kwargs):
        events.append((share_request.pk, share_request.status, share_url))

    share_request_decided.connect(receiver)
    yield events
    share_request_decided.disconnect(receiver)


@pytest.fixture
def approved(tester, reviewer, media_root, queued, django_capture_on_commit_callbacks):
    share_request = ask(finished_output(tester=tester.user, program=tester.program), tester.user)
    assert claim_next_share_request(reviewer=reviewer) == share_request
    browser = signed_in(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("review:decide", args=[share_request.pk]), {"outcome": "approve"})
    return share_request, browser


def window_over():
    ShareLink.objects.update(live_from=timezone.now() - timedelta(seconds=1))


def announce(share_request):
    decision = ReviewDecision.objects.get(share_request=share_request)
    return announce_approval_when_live(share_request_id=share_request.pk, decision_id=decision.pk)


def test_nothing_is_told_during_the_window_and_the_task_is_due_when_the_link_opens(
    approved, queued, heard, mailoutbox
):
    share_request, _ = approved
    assert mailoutbox == [] and heard == []
    assert not Notification.objects.filter(kind=Notification.Kind.APPROVED).exists()
    [options] = queued
    assert options["eta"] == ShareLink.objects.get().live_from
    assert options["kwargs"]["share_request_id"] == share_request.pk
    assert announce(share_request) is False  # run early (a clock skew): still nothing told
    assert mailoutbox == [] and heard == []


def test_when_the_window_ends_the_tester_and_the_webhooks_hear_once(
    approved, queued, heard, mailoutbox, django_capture_on_commit_callbacks
):
    share_request, _ = approved
    window_over()
    with django_capture_on_commit_callbacks(execute=True):
        assert announce(share_request) is True
    link = ShareLink.objects.get()
    assert len(mailoutbox) == 1 and link.token in mailoutbox[0].body
    assert Notification.objects.filter(kind=Notification.Kind.APPROVED).count() == 1
    assert [(pk, status) for pk, status, _ in heard] == [(share_request.pk, "approved")]
    assert link.token in heard[0][2]

    assert announce(share_request) is False  # a redelivered task tells no one twice
    assert len(mailoutbox) == 1 and len(heard) == 1


def test_an_undone_approval_is_never_announced(approved, queued, heard, mailoutbox):
    share_request, browser = approved
    browser.post(reverse("review:undo-approval", args=[share_request.pk]))
    window_over()
    assert (
        tasks.announce_approval.run(
            share_request_id=share_request.pk,
            decision_id=queued[0]["kwargs"]["decision_id"],
        )
        is False
    )
    assert mailoutbox == [] and heard == []
    assert not Notification.objects.filter(kind=Notification.Kind.APPROVED).exists()


def test_without_a_window_the_approval_is_announced_at_once(
    settings,
    tester,
    reviewer,
    media_root,
    queued,
    heard,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.SHARE_APPROVAL_UNDO_SECONDS = 0
    share_request = ask(finished_output(tester=tester.user, program=tester.program), tester.user)
    claim_next_share_request(reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(reviewer).post(
            reverse("review:decide", args=[share_request.pk]), {"outcome": "approve"}
        )
    assert queued == []
    assert len(mailoutbox) == 1 and len(heard) == 1
