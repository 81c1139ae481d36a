"""The reviewer queue: claiming the oldest free share request under a lease.

Two paths with one meaning: on PostgreSQL one statement (FOR UPDATE SKIP LOCKED), elsewhere
conditional updates over selectors.claimable_share_requests."""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.commit_durability import relax_commit_durability

from .models import ShareRequest
from .selectors import claimable_share_requests, unclaimed
from .services import ReviewError

Status = ShareRequest.Status

# SQLite: how many queue heads to try per round of conditional updates.
_CLAIM_CANDIDATES = 20

# PostgreSQL: a claim is this one statement. In each program in scope, the oldest request nobody
# holds and the oldest whose lease ran out are locked with SKIP LOCKED (a row another claimer
# holds is passed over, not waited for); the older of them is taken. The partial indexes
# share_request_free_queue and share_request_leases make each lookup one short index scan,
# however many requests wait or are held. The conditions are those of
# selectors.claimable_share_requests (the SQLite path), written out to skip the ORM's cost.
_CLAIM_HEAD_SQL = """
    SELECT id, created_at FROM (
        SELECT sr.id, sr.created_at FROM review_sharerequest AS sr
        WHERE sr.program_id = program.id AND sr.status = 'pending' AND {held}
            AND sr.requested_by_id <> %(reviewer)s
            AND NOT EXISTS (
                SELECT FROM review_reviewdecision AS decision
                WHERE decision.share_request_id = sr.id AND decision.reviewer_id = %(reviewer)s
            )
        ORDER BY sr.created_at, sr.id
        LIMIT 1
        FOR UPDATE OF sr SKIP LOCKED
    ) AS head"""
_CLAIM_TEMPLATE = """
UPDATE review_sharerequest AS claimed
SET claimed_by_id = %(reviewer)s, lease_expires_at = %(lease)s
FROM (
    SELECT candidate.id
    FROM ({scope}) AS program
    CROSS JOIN LATERAL ({free}
    UNION ALL{expired}
    ) AS candidate
    ORDER BY candidate.created_at, candidate.id
    LIMIT 1
) AS chosen
WHERE claimed.id = chosen.id
RETURNING {columns}
"""
# Made of the constants above and the model's own column names; values go as parameters.
_CLAIM_SQL = _CLAIM_TEMPLATE.format(
    scope=policy.CLAIM_SCOPE_SQL,
    free=_CLAIM_HEAD_SQL.format(held="sr.claimed_by_id IS NULL"),
    expired=_CLAIM_HEAD_SQL.format(
        held="sr.claimed_by_id IS NOT NULL AND sr.lease_expires_at <= %(now)s"
    ),
    columns=", ".join(f'claimed."{f.column}"' for f in ShareRequest._meta.concrete_fields),
)
_CLAIM_FIELDS = [f.attname for f in ShareRequest._meta.concrete_fields]


def claim_next_share_request(
    *, reviewer, program_ids=None, lease_seconds: int = 300
) -> ShareRequest | None:
    """Hand `reviewer` the oldest request nobody holds, under a lease; None when the queue is empty.

    Concurrent reviewers never get the same request: on PostgreSQL the candidate row is locked
    with FOR UPDATE SKIP LOCKED (others pass over it instead of waiting); on SQLite a conditional
    UPDATE that only matches while the row is still free decides who wins, the loser moves on.
    A lease that runs out puts the request back in the queue. Earlier claims of the same reviewer
    keep their lease until it runs out or they decide. Nobody gets their own request, nor one
    they have already decided (the first approver of a two-reviewer request).

    A claim writes no audit record. A lease is a scheduling hint that runs out by itself, not a
    decision: what a reviewer decided, and that they held the lease when they did, is audited by
    `decide`; the current holder is on the row. Auditing every claim would also put the busiest
    write of the product behind the audit chain's single lock, queueing revocations and the
    kill switch behind reviewers pressing "next".
    """
    if lease_seconds <= 0:
        raise ReviewError("A lease must last at least one second.")
    asked = None if program_ids is None else {int(pk) for pk in program_ids}
    now = timezone.now()
    lease_expires_at = now + timedelta(seconds=lease_seconds)
    if connection.vendor == "postgresql":
        # The scope is part of the claim statement; it is looked up apart only to tell an
        # empty queue from a caller who may not claim here at all.
        claimed = _claim_skip_locked(
            program_ids=asked, reviewer=reviewer, now=now, lease=lease_expires_at
        )
        if claimed is None:
            _reviewable(reviewer=reviewer, asked=asked)
        return claimed
    allowed = _reviewable(reviewer=reviewer, asked=asked)
    with transaction.atomic():
        free, lapsed = (
            claimable_share_requests(reviewer=reviewer, program_ids=allowed, now=now, held=held)
            for held in (False, True)
        )
        return _claim_conditional_update(
            free, lapsed, reviewer=reviewer, now=now, lease=lease_expires_at
        )


def _reviewable(*, reviewer, asked: set[int] | None) -> set[int]:
    allowed = policy.reviewable_program_ids(reviewer)
    if asked is not None:
        allowed &= asked
    if not allowed:
        raise ReviewError("You are not a reviewer of this program.")
    return allowed


def _claim_skip_locked(*, program_ids, reviewer, now, lease: datetime) -> ShareRequest | None:
    # One statement, in a transaction of its own only to commit it without waiting for the disk:
    # it commits at once, releasing the row locks it took. Inside a caller's transaction the
    # heads it compared but did not take stay locked until that commits: others pass over them.
    params = {
        "reviewer": reviewer.pk,
        "lease": lease,
        "now": now,
        "roles": policy.REVIEW_ROLE_VALUES,
        "programs": None if program_ids is None else sorted(program_ids),
    }
    with transaction.atomic():
        # A lease is a hint that runs out by itself, and the busiest write of the product: its
        # commit need not wait for the disk, nor queue revocations behind twenty reviewers'
        # flushes (accessprogram.commit_durability). Nothing inside a caller's transaction.
        relax_commit_durability()
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, params)
            row = cursor.fetchone()
    if row is None:
        return None
    return ShareRequest.from_db(connection.alias, _CLAIM_FIELDS, row)


def _claim_conditional_update(*queues, reviewer, now, lease: datetime) -> ShareRequest | None:
    # The oldest heads of the queues (never claimed, lapsed leases) merged, oldest first.
    while True:
        heads = sorted(
            (created_at, pk)
            for queue in queues
            for pk, created_at in queue.values_list("pk", "created_at")[:_CLAIM_CANDIDATES]
        )
        if not heads:
            return None
        for _, pk in heads[:_CLAIM_CANDIDATES]:
            won = (
                ShareRequest.objects.filter(pk=pk, status=Status.PENDING)
                .filter(unclaimed(now=now))
                .update(claimed_by=reviewer, lease_expires_at=lease)
            )
            if won == 1:
                return ShareRequest.objects.get(pk=pk)
        # All taken by others since we looked: look again (the queue has moved on).
