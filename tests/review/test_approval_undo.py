"""An approval's undo window: recorded at once, the public link opens only when it ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from sharing_helpers import ask, finished_output, make_published_ready

from accessprogram.audit.models import AuditRecord
from clients import signed_in
from review.claims import claim_next_share_request
from review.models import Notification, ReviewDecision, ShareLink, ShareRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def undo_window(settings):
    settings.SHARE_APPROVAL_UNDO_SECONDS = 10


@pytest.fixture
def pending(tester, media_root):
    generation = finished_output(tester=tester.user, program=tester.program)
    return ask(generation, tester.user)


def approve_over_http(browser, reviewer, share_request):
    assert claim_next_share_request(reviewer=reviewer) == share_request
    return browser.post(reverse("review:decide", args=[share_request.pk]), {"outcome": "approve"})


def test_an_approval_stays_on_the_page_with_an_undo_and_the_link_is_not_live(pending, reviewer):
    browser = signed_in(reviewer)
    response = approve_over_http(browser, reviewer, pending)
    assert response.url == reverse("review:request", args=[pending.pk])
    page = browser.get(response.url).content.decode()
    assert 'data-testid="undo-window"' in page
    assert "The public link opens in" in page

    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.APPROVED  # the approval is recorded
    link = ShareLink.objects.get()
    make_published_ready(pending)
    assert browser.get(reverse("share:page", args=[link.token])).status_code == 404
    assert 9 <= link.undo_seconds_left() <= 10


def test_undo_within_the_window_takes_the_approval_back_and_the_link_never_opens(
    pending, reviewer, tester
):
    browser = signed_in(reviewer)
    approve_over_http(browser, reviewer, pending)
    make_published_ready(pending)
    link = ShareLink.objects.get()

    response = browser.post(reverse("review:undo-approval", args=[pending.pk]), follow=True)

    assert "Approval undone" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.PENDING
    assert pending.claimed_by == reviewer  # back with the reviewer, to decide again
    assert not ReviewDecision.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.APPROVED).exists()
    link.refresh_from_db()
    assert link.revoked_at is not None
    # Even once the window would have ended, the link stays closed.
    ShareLink.objects.update(live_from=timezone.now() - timedelta(seconds=1))
    assert browser.get(reverse("share:page", args=[link.token])).status_code == 404
    assert AuditRecord.objects.filter(action="share_request.approval_undone").exists()
    # The reviewer can decide again at once.
    again = browser.post(reverse("review:decide", args=[pending.pk]), {"outcome": "approve"})
    assert again.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.APPROVED


def test_after_the_window_the_link_is_live_and_undo_is_refused(pending, reviewer):
    browser = signed_in(reviewer)
    approve_over_http(browser, reviewer, pending)
    make_published_ready(pending)
    link = ShareLink.objects.get()
    ShareLink.objects.update(live_from=timezone.now() - timedelta(seconds=1))  # 10 s later

    assert browser.get(reverse("share:page", args=[link.token])).status_code == 200
    page = browser.get(reverse("review:request", args=[pending.pk])).content.decode()
    assert 'data-testid="undo-window"' not in page

    response = browser.post(reverse("review:undo-approval", args=[pending.pk]), follow=True)
    assert "Too late to undo" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.APPROVED
    assert browser.get(reverse("share:page", args=[link.token])).status_code == 200


def test_another_reviewer_cannot_undo_someone_elses_approval(
    program, pending, reviewer, make_reviewer
):
    browser = signed_in(reviewer)
    approve_over_http(browser, reviewer, pending)
    other = signed_in(make_reviewer(program))
    response = other.post(reverse("review:undo-approval", args=[pending.pk]), follow=True)
    assert "Too late to undo" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ShareRequest.Status.APPROVED


def test_the_testers_panel_shows_no_link_during_the_window(pending, reviewer, tester):
    approve_over_http(signed_in(reviewer), reviewer, pending)
    make_published_ready(pending)
    page = signed_in(tester).get(reverse("review:mine")).content.decode()
    assert ShareLink.objects.get().token not in page
