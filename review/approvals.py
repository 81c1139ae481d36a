"""Services on approved share requests: taking an approval back, and the organisers using an
output in the lab's publicity (which pays the tester a licence fee)."""

from django.db import transaction
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.audit.services import record
from accessprogram.compensation.services import award_licence_fee
from accessprogram.programs.models import Membership

from .models import Notification, ShareLink, ShareRequest
from .notifications import notify
from .services import ReviewError

Status = ShareRequest.Status


def _locked_request(share_request: ShareRequest) -> ShareRequest:
    return (
        ShareRequest.objects.select_for_update(of=("self",))
        .select_related("program", "generation", "requested_by")
        .get(pk=share_request.pk)
    )


@transaction.atomic
def revoke_approval(*, share_request: ShareRequest, actor, reason: str) -> ShareRequest:
    """Take an approval back: the request ends as revoked and every live link stops at once
    (share pages check the request's status and the link on every visit). A takedown
    (policy.can_take_down): allowed whatever the program's state."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise ReviewError("Say why the approval is revoked.")
    share_request = _locked_request(share_request)
    if not policy.can_take_down(actor, share_request.program_id):
        raise ReviewError("You may not revoke this approval.")
    if share_request.status == Status.REVOKED:
        return share_request
    if share_request.status != Status.APPROVED:
        raise ReviewError("Only an approved request can have its approval revoked.")
    now = timezone.now()
    share_request.status = Status.REVOKED
    share_request.approval_revoked_at = now
    share_request.approval_revoked_by = actor
    share_request.approval_revoke_reason = reason
    share_request.save(
        update_fields=[
            "status",
            "approval_revoked_at",
            "approval_revoked_by",
            "approval_revoke_reason",
        ]
    )
    links = list(
        ShareLink.objects.filter(share_request=share_request, revoked_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    ShareLink.objects.filter(pk__in=links).update(
        revoked_at=now, revoked_by=actor, revoke_reason=f"Approval revoked: {reason}"[:300]
    )
    record(
        action="share_request.approval_revoked",
        target=share_request,
        actor=actor,
        program=share_request.program.slug,
        reason=reason,
        share_links=links,
    )
    notify(share_request=share_request, kind=Notification.Kind.APPROVAL_REVOKED, note=reason)
    return share_request


@transaction.atomic
def mark_used_by_organisers(*, share_request: ShareRequest, actor) -> ShareRequest:
    """Record that the lab used an approved output in its publicity and pay the licence fee.

    Program managers and admins only. Idempotent: marking twice pays once (the fee's
    idempotency key is the request) and keeps the first who/when."""
    share_request = _locked_request(share_request)
    if not policy.can_mark_used(actor, share_request.program_id):
        raise ReviewError("Only the program's managers may mark an output as used.")
    if share_request.status != Status.APPROVED:
        raise ReviewError("Only an approved output can be used by the organisers.")
    if share_request.used_by_organisers_at is not None:
        return share_request
    membership = (
        Membership.objects.select_related("program")
        .filter(user_id=share_request.requested_by_id, program_id=share_request.program_id)
        .first()
    )
    if membership is None:
        raise ReviewError("The tester is no longer a member of this program.")
    entry = award_licence_fee(membership=membership, share_request_id=share_request.pk, actor=actor)
    share_request.used_by_organisers_at = timezone.now()
    share_request.used_by_organisers_by = actor
    share_request.save(update_fields=["used_by_organisers_at", "used_by_organisers_by"])
    record(
        action="share_request.used_by_organisers",
        target=share_request,
        actor=actor,
        program=share_request.program.slug,
        ledger_entry=entry.pk if entry is not None else None,
    )
    notify(share_request=share_request, kind=Notification.Kind.USED_BY_ORGANISERS)
    return share_request
