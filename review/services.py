"""Share requests: asking, decisions and share links. Claims (the reviewer queue) are in
review.claims."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.programs.models import Membership, Program
from accessprogram.programs.selectors import memberships_awaiting_agreement
from generation.models import Generation
from generation.provenance.services import RenditionUnavailable, publish_rendition

from .announcements import announce_decision
from .models import Notification, ReviewDecision, ShareLink, ShareRequest
from .notifications import notify

Status = ShareRequest.Status
Outcome = ReviewDecision.Outcome

logger = logging.getLogger(__name__)


class ReviewError(Exception):
    """A share or review action that is not allowed; the message says why, for the user."""


def _approvals_required(program: Program) -> int:
    return 2 if program.approval_policy == Program.ApprovalPolicy.TWO_REVIEWERS else 1


def _check_fields(*, intended_use: str, destination: str) -> None:
    if not (intended_use or "").strip():
        raise ReviewError("Say how you intend to use the output.")
    if not (destination or "").strip():
        raise ReviewError("Say where the output will appear.")


def _check_tester_may_share(*, tester, program_id) -> None:
    """A tester whose access is suspended or revoked asks nothing of the reviewers."""
    membership = (
        Membership.objects.filter(user=tester, program_id=program_id)
        .select_related("program")
        .first()
    )
    if membership is None or not membership.is_active or block_in_force(membership=membership):
        raise ReviewError("Your access to this program is blocked, so you cannot share outputs.")
    if not membership.program.is_active:
        raise ReviewError("The program is not open, so no new share requests are taken.")
    if memberships_awaiting_agreement(user=tester).filter(program_id=program_id).exists():
        raise ReviewError("Accept the program's current agreement before sharing outputs.")


def _end_of_undo_window(now: datetime) -> datetime | None:
    """When an approval's public link opens: after the reviewer's undo window (review.undo)."""
    seconds = settings.SHARE_APPROVAL_UNDO_SECONDS
    return now + timedelta(seconds=seconds) if seconds > 0 else None


def _locked(queryset, pk):
    # of=("self",): lock the row itself, not the program joined in for its slug.
    return queryset.select_for_update(of=("self",)).select_related("program").get(pk=pk)


# --- Testers ----------------------------------------------------------------------------------


@transaction.atomic
def request_share(
    *, generation: Generation, tester, intended_use: str, caption: str, destination: str
) -> ShareRequest:
    """Ask for `generation` to be cleared for sharing. Only its owner, only once it completed,
    one open request at a time; after a rejection the way forward is `resubmit`."""
    _check_fields(intended_use=intended_use, destination=destination)
    generation = _locked(Generation.objects, generation.pk)
    if generation.tester_id != tester.pk or generation.deleted_at is not None:
        raise ReviewError("Only the tester who made this output can ask to share it.")
    if generation.status != Generation.Status.COMPLETED:
        raise ReviewError("Only a completed output can be shared.")
    _check_tester_may_share(tester=tester, program_id=generation.program_id)
    earlier = set(generation.share_requests.values_list("status", flat=True))
    if Status.PENDING in earlier:
        raise ReviewError("This output already has a share request waiting for review.")
    if earlier & set(ShareRequest.RESUBMITTABLE):
        raise ReviewError("A request for this output was turned down; resubmit it with changes.")
    share_request = ShareRequest.objects.create(
        generation=generation,
        requested_by=tester,
        program=generation.program,
        intended_use=intended_use.strip(),
        caption=(caption or "").strip(),
        destination=destination.strip(),
        approvals_required=_approvals_required(generation.program),
    )
    record(
        action="share_request.create",
        target=share_request,
        actor=tester,
        program=generation.program.slug,
        generation=generation.public_id,
    )
    return share_request


@transaction.atomic
def resubmit(
    *,
    share_request: ShareRequest,
    tester,
    intended_use: str | None = None,
    caption: str | None = None,
    destination: str | None = None,
) -> ShareRequest:
    """A new pending request after a rejection or a request for changes; allowed once."""
    original = _locked(ShareRequest.objects, share_request.pk)
    if original.requested_by_id != tester.pk:
        raise ReviewError("Only the tester who asked can resubmit.")
    if original.status not in ShareRequest.RESUBMITTABLE:
        raise ReviewError(
            "Only a rejected request, or one sent back for changes, can be resubmitted."
        )
    if (
        original.resubmitted_from_id is not None
        or ShareRequest.objects.filter(resubmitted_from=original).exists()
    ):
        raise ReviewError("This request has already been resubmitted once.")
    _check_tester_may_share(tester=tester, program_id=original.program_id)
    intended_use = original.intended_use if intended_use is None else intended_use
    destination = original.destination if destination is None else destination
    _check_fields(intended_use=intended_use, destination=destination)
    try:
        with transaction.atomic():
            new = ShareRequest.objects.create(
                generation_id=original.generation_id,
                requested_by=tester,
                program=original.program,
                intended_use=intended_use.strip(),
                caption=(original.caption if caption is None else caption).strip(),
                destination=destination.strip(),
                approvals_required=_approvals_required(original.program),
                resubmitted_from=original,
            )
    except IntegrityError as error:  # another pending request for the output, or a race
        raise ReviewError("This output already has a share request waiting for review.") from error
    record(
        action="share_request.resubmit",
        target=new,
        actor=tester,
        program=original.program.slug,
        resubmitted_from=original.pk,
    )
    return new


@transaction.atomic
def withdraw(*, share_request: ShareRequest, tester) -> ShareRequest:
    share_request = _locked(ShareRequest.objects, share_request.pk)
    if share_request.requested_by_id != tester.pk:
        raise ReviewError("Only the tester who asked can withdraw the request.")
    if share_request.status != Status.PENDING:
        raise ReviewError("Only a request waiting for review can be withdrawn.")
    share_request.status = Status.WITHDRAWN
    share_request.decided_at = timezone.now()
    share_request.claimed_by = None
    share_request.lease_expires_at = None
    share_request.save(update_fields=["status", "decided_at", "claimed_by", "lease_expires_at"])
    record(
        action="share_request.withdraw",
        target=share_request,
        actor=tester,
        program=share_request.program.slug,
    )
    return share_request


# --- Reviewers (claims with leases: review.claims) ---------------------------------------


@transaction.atomic
def decide(
    *,
    share_request: ShareRequest,
    reviewer,
    outcome: str,
    reason_code: str = "",
    note: str = "",
    link_expires_at: datetime | None = None,
) -> ShareRequest:
    """Record `reviewer`'s decision. Only the holder of a live lease, only a reviewer of the
    program. Approvals count toward the program's policy (two distinct reviewers when it asks
    for two); the last needed one approves the request and creates its share link. A rejection or
    a request for changes ends the request at once."""
    if outcome not in Outcome.values:
        raise ReviewError(f"Unknown decision {outcome!r}.")
    reason_code = (reason_code or "").strip()
    if outcome == Outcome.REJECT and not reason_code:
        raise ReviewError("A rejection needs a reason code.")
    share_request = _locked(ShareRequest.objects, share_request.pk)
    now = timezone.now()
    if not policy.can_review(reviewer, share_request.program_id):
        raise ReviewError("You are not a reviewer of this program.")
    if share_request.status != Status.PENDING:
        raise ReviewError("This request has already been decided.")
    if share_request.claimed_by_id != reviewer.pk or share_request.lease_expires_at <= now:
        raise ReviewError("Claim this request before deciding; your lease may have run out.")
    if share_request.decisions.filter(reviewer=reviewer).exists():
        raise ReviewError("You have already decided on this request.")
    decision = ReviewDecision.objects.create(
        share_request=share_request,
        reviewer=reviewer,
        outcome=outcome,
        reason_code=reason_code,
        note=(note or "").strip(),
        created_at=now,
    )
    share_request.claimed_by = None
    share_request.lease_expires_at = None
    link = None
    if outcome == Outcome.APPROVE:
        approvals = share_request.decisions.filter(outcome=Outcome.APPROVE).count()
        if approvals >= share_request.approvals_required:
            share_request.status = Status.APPROVED
            share_request.decided_at = now
            link = ShareLink.objects.create(
                share_request=share_request,
                created_at=now,
                expires_at=link_expires_at,
                live_from=_end_of_undo_window(now),
            )
        # Otherwise it goes back to the queue for another reviewer.
    elif outcome == Outcome.REJECT:
        share_request.status = Status.REJECTED
        share_request.decided_at = now
    else:
        share_request.status = Status.CHANGES_REQUESTED
        share_request.decided_at = now
    share_request.save(update_fields=["status", "decided_at", "claimed_by", "lease_expires_at"])
    record(
        action=f"share_request.{outcome}",
        target=share_request,
        actor=reviewer,
        program=share_request.program.slug,
        reason_code=reason_code,
        status=share_request.status,
        share_link=link.pk if link else None,
    )
    if link is not None:
        # The shared copy (visible mark, forensic payload, credentials) is built in Celery after
        # commit; the share page answers "being prepared" until it is ready.
        try:
            publish_rendition(
                generation=share_request.generation,
                approval_ref=str(share_request.pk),
                approved_by=reviewer,
            )
        except RenditionUnavailable:
            # The original file is gone: the decision stands, the share page stays a 404
            # ("being prepared") and the rendition can be rebuilt once the file is restored.
            logger.warning("Approved share request %s has no original to publish", share_request.pk)
    # The tester and the webhooks hear of an approval when its link opens (after the undo
    # window), of any other decision at once.
    announce_decision(share_request=share_request, decision=decision, link=link)
    return share_request


# --- Share links ------------------------------------------------------------------------------


@transaction.atomic
def revoke_share_link(*, link: ShareLink, actor, reason: str) -> ShareLink:
    """Stop a share link at once. Its owner, the program's reviewers and managers, or staff."""
    link = (
        ShareLink.objects.select_for_update(of=("self",))
        .select_related("share_request__program")
        .get(pk=link.pk)
    )
    share_request = link.share_request
    if actor.pk != share_request.requested_by_id and not policy.can_take_down(
        actor, share_request.program_id
    ):
        raise ReviewError("You may not revoke this share link.")
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.revoked_by = actor
    link.revoke_reason = (reason or "").strip()[:300]
    link.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record(
        action="share_link.revoke",
        target=link,
        actor=actor,
        program=share_request.program.slug,
        share_request=share_request.pk,
        reason=link.revoke_reason,
    )
    if actor.pk != share_request.requested_by_id:
        notify(
            share_request=share_request,
            kind=Notification.Kind.LINK_REVOKED,
            note=link.revoke_reason,
        )
    return link
