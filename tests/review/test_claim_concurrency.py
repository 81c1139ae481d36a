"""Must show: reviewers claiming at once never receive the same request.

20 reviewer threads, each with its own database connection, start together on a queue of 40
pending requests and claim until the queue is empty. Every request must be handed out exactly
once. Runs on both backends: PostgreSQL takes the SKIP LOCKED path, SQLite the conditional
UPDATE path. This project opens SQLite transactions IMMEDIATE, so there whole claims already run
one at a time (and SQLite's busy handler tends to let one thread win every round); the loser's
path of the conditional UPDATE is shown deterministically in test_claim_queue.py. The same
holds when some requests are held under leases that ran out (each handed out once more) or
still live (never handed out), and claims never wait for an audited write in progress.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accessprogram.audit.services import record
from factories import MembershipFactory
from review.claims import claim_next_share_request
from review.models import ShareRequest
from review.services import request_share

pytestmark = pytest.mark.django_db(transaction=True)

REVIEWERS = 20
REQUESTS = 40


def _pending(program, completed_generation, count) -> list[ShareRequest]:
    requests = []
    for _ in range(count):
        tester = MembershipFactory(program=program).user
        requests.append(
            request_share(
                generation=completed_generation(tester=tester, program=program),
                tester=tester,
                intended_use="portfolio",
                caption="",
                destination="site",
            )
        )
    return requests


def _claim_at_once(reviewers) -> dict[int, list[int]]:
    """Every reviewer, in a thread of its own, claims until the queue is empty."""
    start = threading.Barrier(len(reviewers))
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
    return claimed


def test_twenty_reviewers_claiming_at_once_never_get_the_same_request(
    program, completed_generation, make_reviewer
):
    _pending(program, completed_generation, REQUESTS)
    reviewers = [make_reviewer(program) for _ in range(REVIEWERS)]

    claimed = _claim_at_once(reviewers)

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


def test_expired_leases_return_exactly_once_and_live_ones_never_under_concurrency(
    program, completed_generation, make_reviewer
):
    requests = _pending(program, completed_generation, REQUESTS)
    departed, away = make_reviewer(program), make_reviewer(program)
    now = timezone.now()
    expired = [r.pk for r in requests[:20:2]]  # interleaved with free ones, oldest first
    live = [r.pk for r in requests[1:10:2]]
    ShareRequest.objects.filter(pk__in=expired).update(
        claimed_by=departed, lease_expires_at=now - timedelta(seconds=1)
    )
    ShareRequest.objects.filter(pk__in=live).update(
        claimed_by=away, lease_expires_at=now + timedelta(minutes=5)
    )
    reviewers = [make_reviewer(program) for _ in range(REVIEWERS)]

    claimed = _claim_at_once(reviewers)

    handed_out = Counter(pk for pks in claimed.values() for pk in pks)
    assert [pk for pk, times in handed_out.items() if times > 1] == []
    assert set(handed_out) == {r.pk for r in requests} - set(live)
    assert set(ShareRequest.objects.filter(claimed_by=away).values_list("pk", flat=True)) == set(
        live
    )
    assert not ShareRequest.objects.filter(claimed_by=departed).exists()


def test_claims_go_on_while_an_audited_write_holds_the_chain_lock(
    program, completed_generation, make_reviewer
):
    """Audited writes take turns on the audit chain's head row until they commit. A claim
    writes no audit record, so reviewers keep claiming while one is in progress (PostgreSQL:
    SQLite lets one writer at a time into the whole database anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time, whatever it touches")
    first, second = _pending(program, completed_generation, 2)
    reviewer = make_reviewer(program)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def audited_write_in_progress():
        try:
            with transaction.atomic():
                record(action="test.hold_chain", target=program, actor=None)
                holding.set()
                release.wait(timeout=60)
        except BaseException as error:
            errors.append(error)
        finally:
            holding.set()
            connection.close()

    holder = threading.Thread(target=audited_write_in_progress)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        with connection.cursor() as cursor:
            # A claim that needed the chain lock would fail here instead of waiting.
            cursor.execute("SET lock_timeout = '100ms'")
        try:
            assert claim_next_share_request(reviewer=reviewer) == first
            assert claim_next_share_request(reviewer=reviewer) == second
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert holder.is_alive()  # the audited write was still open throughout
    finally:
        release.set()
        holder.join(timeout=60)
    assert not errors, errors
