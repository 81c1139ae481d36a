from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.access.blocks import blocks_on
from accessprogram.access.models import AccessBlock
from accessprogram.programs.models import Membership, Program
from generation.models import Rendition

from .models import Notification, ReviewDecision, ShareLink, ShareRequest


def unclaimed(*, now, held: bool | None = None) -> Q:
    """Not held by anyone: never claimed, or the holder's lease ran out. `held=False` keeps only
    the never claimed, `held=True` only the lapsed leases: each of those two matches one partial
    index (share_request_free_queue, share_request_leases), where the OR of both matches none
    and the database reads past every held request at the head of the queue."""
    never_claimed = Q(claimed_by__isnull=True)
    lapsed = Q(claimed_by__isnull=False, lease_expires_at__lte=now)
    if held is None:
        return never_claimed | lapsed
    return lapsed if held else never_claimed


def claimable_share_requests(
    *, reviewer, program_ids, now=None, held: bool | None = None
) -> QuerySet[ShareRequest]:
    """The queue as `reviewer` sees it in `program_ids`: pending, not held, not their own and not
    already decided by them (the second reviewer of a two-reviewer program), oldest first.
    `held` narrows it as in `unclaimed`."""
    now = now or timezone.now()
    decided = ReviewDecision.objects.filter(share_request=OuterRef("pk"), reviewer=reviewer)
    return (
        ShareRequest.objects.filter(status=ShareRequest.Status.PENDING, program_id__in=program_ids)
        .filter(unclaimed(now=now, held=held))
        .exclude(requested_by=reviewer)
        .exclude(Exists(decided))
        .order_by("created_at", "id")
    )


def share_link_for_token(*, token: str) -> ShareLink | None:
    """The live link for `token`, or None when it is unknown, revoked, expired, or what it points
    at is no longer approved and available. Checked on every visit, so revocation is immediate."""
    if not token or len(token) > 64:
        return None
    link = (
        ShareLink.objects.select_related("share_request__generation", "share_request__program")
        .filter(token=token)
        .first()
    )
    if link is None or not link.is_live():
        return None
    share_request = link.share_request
    generation = share_request.generation
    if share_request.status != ShareRequest.Status.APPROVED:
        return None
    if generation.deleted_at is not None or generation.status != generation.Status.COMPLETED:
        return None
    if _tester_revocation_stops(share_request):
        return None
    return link


def _tester_revocation_stops(share_request: ShareRequest) -> bool:
    """True when the program's policy stops the links of a tester whose access was revoked.

    Only revocations (final) count, on the tester, their cohort or the whole program; a
    suspension (the kill switch, an anomaly, a pause) never stops approved links: it is
    reversible, and an approved output does not become less approved while it lasts."""
    program = share_request.program
    if program.share_links_on_tester_revocation != Program.ShareLinkPolicy.STOP:
        return False
    membership = (
        Membership.objects.filter(user_id=share_request.requested_by_id, program_id=program.pk)
        .only("pk", "cohort_id", "program_id")
        .first()
    )
    if membership is None:  # removed from the program altogether
        return True
    return (
        blocks_on(
            membership_id=membership.pk,
            cohort_id=membership.cohort_id,
            program_id=program.pk,
        )
        .filter(kind=AccessBlock.Kind.REVOCATION)
        .exists()
    )


# --- Pages ------------------------------------------------------------------------------------


def reviewable_share_requests(*, user) -> QuerySet[ShareRequest]:
    """Every request of the programs `user` reviews, with what the pages show."""
    return ShareRequest.objects.filter(
        program_id__in=policy.reviewable_program_ids(user)
    ).select_related("program", "generation", "requested_by", "claimed_by")


def share_request_for_reviewer(*, user, pk, now=None) -> ShareRequest | None:
    """One request as a reviewer may open it: in a program they review, not their own, and not
    held by someone else under a live lease (that one is theirs alone while it lasts)."""
    now = now or timezone.now()
    share_request = (
        reviewable_share_requests(user=user).exclude(requested_by=user).filter(pk=pk).first()
    )
    if share_request is None:
        return None
    held_by_other = (
        share_request.status == ShareRequest.Status.PENDING
        and share_request.claimed_by_id not in (None, user.pk)
        and share_request.lease_expires_at > now
    )
    return None if held_by_other else share_request


def held_share_requests(*, reviewer, now=None) -> QuerySet[ShareRequest]:
    """Requests `reviewer` holds under a live lease."""
    now = now or timezone.now()
    return ShareRequest.objects.filter(
        status=ShareRequest.Status.PENDING, claimed_by=reviewer, lease_expires_at__gt=now
    ).select_related("program", "generation")


def live_link(*, share_request: ShareRequest) -> ShareLink | None:
    now = timezone.now()
    prefetched = getattr(share_request, "_prefetched_objects_cache", {}).get("links")
    if prefetched is not None:
        # A list page prefetched every request's links: pick the live one without a query.
        live = [
            link
            for link in prefetched
            if link.revoked_at is None and (link.expires_at is None or link.expires_at > now)
        ]
        return max(live, key=lambda link: link.created_at, default=None)
    return (
        share_request.links.filter(revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )


def my_share_requests(*, user) -> QuerySet[ShareRequest]:
    """A tester's own requests, newest first, with their decisions and links."""
    return (
        ShareRequest.objects.filter(requested_by=user)
        .select_related("program", "generation", "resubmitted_from")
        .prefetch_related("decisions", "links")
        .annotate(
            was_resubmitted=Exists(ShareRequest.objects.filter(resubmitted_from=OuterRef("pk"))),
            # Whether the published copy of this approval is built (share_state reads it).
            published_ready=Exists(
                Rendition.objects.filter(
                    generation=OuterRef("generation"),
                    kind=Rendition.Kind.PUBLISHED,
                    approval_ref=Cast(OuterRef("pk"), CharField()),
                    status=Rendition.Status.READY,
                )
            ),
        )
        .order_by("-created_at", "-id")
    )


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
