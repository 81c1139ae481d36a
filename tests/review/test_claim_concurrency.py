"""Must show: reviewers claiming at once never receive the same request.

20 reviewer threads, each with its own database connection, start together on a queue of 40
pending requests and claim until the queue is empty. Every request must be handed out exactly
once. Runs on both backends: PostgreSQL takes the SKIP LOCKED path, SQLite the conditional
UPDATE path. This project opens SQLite transactions IMMEDIATE, so there whole claims already run
one at a time (and SQLite's busy handler tends to let one thread win every round); the loser's
path of the conditional UPDATE is shown deterministically in test_claim_queue.py.
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from factories import MembershipFactory
from review.models import ShareRequest
from review.services import claim_next_share_request, request_share

pytestmark = pytest.mark.django_db(transaction=True)

REVIEWERS = 20
REQUESTS = 40


def test_twenty_reviewers_claiming_at_once_never_get_the_same_request(
    program, completed_generation, make_reviewer
):
    for _ in range(REQUESTS):
        tester = MembershipFactory(program=program).user
        request_share(
            generation=completed_generation(tester=tester, program=program),
            tester=tester,
            intended_use="portfolio",
            caption="",
            destination="site",
        )
    reviewers = [make_reviewer(program) for _ in range(REVIEWERS)]
    start = threading.Barrier(REVIEWERS)
    claimed: dict[int, list[int]] = {reviewer.pk: [] for reviewer in reviewers}
    errors: list[BaseException] = []

    def claim_all(reviewer):
        try:
            start.wait(timeout=30)
            while (share_request := claim_next_share_request(reviewer=reviewer)) is not None:
                claimed[reviewer.pk].append(share_request.pk)
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_all, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    handed_out = Counter(pk for pks in claimed.values() for pk in pks)
    assert [pk for pk, times in handed_out.items() if times > 1] == []
    assert set(handed_out) == set(ShareRequest.objects.values_list("pk", flat=True))
    # The database agrees with what each reviewer was told.
    for reviewer_pk, pks in claimed.items():
        assert set(
            ShareRequest.objects.filter(claimed_by_id=reviewer_pk).values_list("pk", flat=True)
        ) == set(pks)
    if connection.vendor == "postgresql":
        # More than one reviewer got work: the claims really ran side by side.
        assert sum(1 for pks in claimed.values() if pks) > 1
