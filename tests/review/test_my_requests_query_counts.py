"""A tester's share requests page sends as many queries at 100 requests as at 10: links,
decisions and whether the published copy is ready come with the page's queries."""

import itertools

import pytest
from query_counts import assert_flat

from factories import GenerationFactory
from generation.models import Generation, Rendition
from review.models import ReviewDecision, ShareLink, ShareRequest

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def add_requests(tester, reviewer, n):
    for i in range(n):
        generation = GenerationFactory(
            program=tester.program, tester=tester.user, status=Generation.Status.COMPLETED
        )
        approved = i % 2 == 0
        share_request = ShareRequest.objects.create(
            generation=generation,
            requested_by=tester.user,
            program=tester.program,
            intended_use="portfolio",
            destination="site",
            status=ShareRequest.Status.APPROVED if approved else ShareRequest.Status.REJECTED,
        )
        ReviewDecision.objects.create(
            share_request=share_request,
            reviewer=reviewer,
            outcome="approve" if approved else "reject",
            reason_code="" if approved else "quality",
        )
        if approved:
            ShareLink.objects.create(share_request=share_request)
            Rendition.objects.create(
                generation=generation,
                kind=Rendition.Kind.PUBLISHED,
                status=Rendition.Status.READY,
                forensic_id=next(serial),
                approval_ref=str(share_request.pk),
                storage_key=f"renditions/{generation.pk}.mp4",
                sha256="0" * 64,
            )


def test_my_share_requests(client, tester, reviewer):
    client.force_login(tester.user)
    assert_flat(client, "/review/mine/", lambda n: add_requests(tester, reviewer, n))
