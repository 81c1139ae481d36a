"""Review service levels on the console: per program and per reviewer, pending, oldest age,
overdue, median and p90 turnaround over the last 30 days; scoped to the reader's programs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from factories import MembershipFactory, ProgramFactory, UserFactory
from review.models import ReviewDecision, ShareRequest
from review.queue import percentile, program_service_levels, reviewer_service_levels
from review.services import request_share

pytestmark = pytest.mark.django_db

ASK = {"intended_use": "portfolio", "caption": "", "destination": "site"}


def test_percentiles():
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([1, 2, 3], 0.5) == 2
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 101)), 0.9) == 90


@pytest.fixture
def history(program, completed_generation, make_reviewer):
    """Five requests decided 1..5 hours after asking (reviewers a and b), one decided 40 days
    ago (outside the window), two pending: one 30 hours old (overdue), one 1 hour old, the
    fresh one held by a."""
    now = timezone.now()
    a, b = (
        make_reviewer(program, user=UserFactory(username="ada")),
        make_reviewer(program, user=UserFactory(username="bo")),
    )

    def make(*, age_hours, decided_after_hours=None, reviewer=None, status="approved"):
        tester = MembershipFactory(program=program).user
        share_request = request_share(
            generation=completed_generation(tester=tester, program=program), tester=tester, **ASK
        )
        created = now - timedelta(hours=age_hours)
        fields = {"created_at": created}
        if decided_after_hours is not None:
            decided = created + timedelta(hours=decided_after_hours)
            fields.update(status=status, decided_at=decided)
            ReviewDecision.objects.create(
                share_request=share_request,
                reviewer=reviewer,
                outcome="approve" if status == "approved" else "reject",
                reason_code="" if status == "approved" else "quality",
                created_at=decided,
            )
        ShareRequest.objects.filter(pk=share_request.pk).update(**fields)
        return share_request

    for hours, reviewer in [(1, a), (2, a), (3, b), (4, b), (5, b)]:
        make(age_hours=48, decided_after_hours=hours, reviewer=reviewer)
    make(age_hours=24 * 40, decided_after_hours=100, reviewer=a, status="rejected")
    make(age_hours=30)
    fresh = make(age_hours=1)
    ShareRequest.objects.filter(pk=fresh.pk).update(
        claimed_by=a, lease_expires_at=now + timedelta(minutes=5)
    )
    return a, b


def test_program_figures(program, history, settings):
    settings.REVIEW_SLA_HOURS = 24
    (level,) = program_service_levels(program_ids=[program.pk])
    assert (level.pending, level.overdue, level.decided) == (2, 1, 5)
    assert level.median_hours == 3.0
    assert level.p90_hours == 5.0
    assert 29.9 < level.oldest_hours < 30.1


def test_reviewer_figures(program, history):
    levels = {level.label: level for level in reviewer_service_levels(program_ids=[program.pk])}
    assert set(levels) == {"ada@example.com", "bo@example.com"}
    ada, bo = levels["ada@example.com"], levels["bo@example.com"]
    assert (ada.decided, ada.median_hours, ada.pending, ada.overdue) == (2, 1.5, 1, 0)
    assert (bo.decided, bo.median_hours, bo.p90_hours, bo.pending) == (3, 4.0, 5.0, 0)


def test_the_console_page_shows_the_figures_and_charts(client, program, history):
    manager = MembershipFactory(program=program, role="program_manager").user
    client.force_login(manager)
    page = client.get("/console/review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="levels-programs"' in html and 'data-testid="levels-reviewers"' in html
    assert program.name in html
    assert "Median turnaround per program" in html and "<svg" in html
    assert "ada@example.com" in html


def test_the_console_page_is_scoped_to_the_readers_programs(client, program, history):
    other = ProgramFactory(name="Somewhere else")
    reader = MembershipFactory(program=other, role="reviewer").user
    client.force_login(reader)
    html = client.get("/console/review/").content.decode()
    assert "Somewhere else" in html
    assert program.name not in html
    assert "ada@example.com" not in html


def test_testers_and_finance_see_no_figures(client, program, history):
    client.force_login(MembershipFactory(program=program).user)
    assert client.get("/console/review/").status_code == 404
    client.force_login(MembershipFactory(program=program, role="finance").user)
    html = client.get("/console/review/").content.decode()
    assert program.name not in html
