from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accessprogram.programs.models import Membership, Program

from .models import ReviewDecision, ShareLink, ShareRequest

# Who may claim and decide share requests in a program.
REVIEW_ROLES = (Membership.Role.REVIEWER,)


def review_program_ids(*, reviewer) -> set[int]:
    """Active programs in which `reviewer` holds an active reviewer role."""
    return set(
        Membership.objects.filter(
            user=reviewer,
            role__in=REVIEW_ROLES,
            status=Membership.Status.ACTIVE,
            program__status=Program.Status.ACTIVE,
        ).values_list("program_id", flat=True)
    )


def is_reviewer_of(*, reviewer, program_id) -> bool:
    return program_id in review_program_ids(reviewer=reviewer)


def unclaimed(*, now) -> Q:
    """Not held by anyone: never claimed, or the holder's lease ran out."""
    return Q(claimed_by__isnull=True) | Q(lease_expires_at__lte=now)


def claimable_share_requests(*, reviewer, program_ids, now=None) -> QuerySet[ShareRequest]:
    """The queue as `reviewer` sees it in `program_ids`: pending, not held, not their own and not
    already decided by them (the second reviewer of a two-reviewer program), oldest first."""
    now = now or timezone.now()
    decided = ReviewDecision.objects.filter(share_request=OuterRef("pk"), reviewer=reviewer)
    return (
        ShareRequest.objects.filter(status=ShareRequest.Status.PENDING, program_id__in=program_ids)
        .filter(unclaimed(now=now))
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
    return link
