"""The reviewer queue sends as many queries at 100 waiting and decided requests as at 10: the
pending list is paged (oldest first, every request reachable) and its rows come with the
page's query; recently decided requests are read newest first from their own index."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from query_counts import assert_flat

from factories import GenerationFactory, MembershipFactory
from generation.models import Generation
from review.models import ShareRequest

pytestmark = pytest.mark.django_db
serial = itertools.count()


def add_requests(program, other_reviewer, n):
    """n pending requests (every third held by another reviewer) and n decided ones, each
    asked by a tester of its own."""
    now = timezone.now()
    for _ in range(n):
        i = next(serial)
        for status in (ShareRequest.Status.PENDING, ShareRequest.Status.APPROVED):
            tester = MembershipFactory(program=program)
            held = status == ShareRequest.Status.PENDING and i % 3 == 0
            ShareRequest.objects.create(
                generation=GenerationFactory(
                    program=program, tester=tester.user, status=Generation.Status.COMPLETED
                ),
                requested_by=tester.user,
                program=program,
                intended_use="portfolio",
                destination="site",
                status=status,
                decided_at=None if status == ShareRequest.Status.PENDING else now,
                claimed_by=other_reviewer if held else None,
                lease_expires_at=now + timedelta(minutes=5) if held else None,
            )


def test_queue_page(client, program, reviewer, make_reviewer):
    other = make_reviewer(program)
    client.force_login(reviewer)
    assert_flat(client, "/review/", lambda n: add_requests(program, other, n))


def test_every_pending_request_is_on_some_page_oldest_first(client, program, reviewer):
    add_requests(program, reviewer, 60)
    client.force_login(reviewer)
    shown = []
    for number in (1, 2):
        page = client.get("/review/", {"page": number})
        shown += [row.share_request.pk for row in page.context["pending"]]
    assert len(page.context["pending"]) == 10
    waiting = ShareRequest.objects.filter(status=ShareRequest.Status.PENDING)
    assert shown == list(waiting.order_by("created_at", "id").values_list("pk", flat=True))
