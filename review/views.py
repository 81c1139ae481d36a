"""The reviewer queue: overview, claim next, watch, decide; acting on approved requests.

Review staff of an active program only (accessprogram.access.policy.can_review); anyone else
gets 404, as does a request held by another reviewer under a live lease. Takedowns (revoking
a link or an approval) follow policy.can_take_down instead: any program state.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.access.staff_views import staff_view

from . import approvals, claims, queue, selectors, services, undo
from .forms import REASON_LABELS, DecisionForm, RevokeForm
from .models import ShareRequest

PENDING_PER_PAGE = 50  # pending requests on a page of the queue


def reviewer_required(view):
    @staff_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.reviewable_program_ids(request.user):
            raise Http404("No review queue for you here.")
        return view(request, *args, **kwargs)

    return wrapper


def _request_or_404(request, pk) -> ShareRequest:
    share_request = selectors.share_request_for_reviewer(user=request.user, pk=pk)
    if share_request is None:
        raise Http404("No such share request.")
    return share_request


@reviewer_required
@require_GET
def queue_page(request):
    now = timezone.now()
    page = Paginator(queue.pending_share_requests(reviewer=request.user), PENDING_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    return render(
        request,
        "review/queue.html",
        {
            "programs": queue.program_overview(reviewer=request.user, now=now),
            "page": page,
            "pending": queue.pending_rows(requests=page, reviewer=request.user, now=now),
            "held": selectors.held_share_requests(reviewer=request.user, now=now),
            "decided": queue.recently_decided(reviewer=request.user),
            "sla_hours": queue.sla_hours(),
        },
    )


@reviewer_required
@require_POST
def claim_next(request):
    program_id = request.POST.get("program") or None
    program_ids = None
    if program_id is not None:
        if not program_id.isdigit():
            raise Http404("No such program.")
        program_ids = [int(program_id)]
    try:
        share_request = claims.claim_next_share_request(
            reviewer=request.user, program_ids=program_ids
        )
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect("review:queue")
    if share_request is None:
        messages.info(request, "The queue is empty: nothing is waiting for you.")
        return redirect("review:queue")
    return redirect("review:request", pk=share_request.pk)


def _request_context(request, share_request: ShareRequest, form=None) -> dict:
    now = timezone.now()
    holds_lease = (
        share_request.status == ShareRequest.Status.PENDING
        and share_request.claimed_by_id == request.user.pk
        and share_request.lease_expires_at > now
    )
    earlier = []
    previous = share_request.resubmitted_from
    while previous is not None:
        earlier.append(previous)
        previous = previous.resubmitted_from
    return {
        "share_request": share_request,
        "generation": share_request.generation,
        "decisions": share_request.decisions.select_related("reviewer"),
        "earlier_requests": [(r, r.decisions.select_related("reviewer")) for r in earlier],
        "holds_lease": holds_lease,
        "lease_seconds_left": (
            int((share_request.lease_expires_at - now).total_seconds()) if holds_lease else None
        ),
        "form": form or DecisionForm(),
        "reason_labels": REASON_LABELS,
        "link": selectors.live_link(share_request=share_request),
        "undo_link": _undo_window_link(share_request)
        if share_request.status == ShareRequest.Status.APPROVED
        else None,
        "links": share_request.links.select_related("revoked_by"),
        "can_revoke_approval": policy.can_take_down(request.user, share_request.program_id),
        "can_mark_used": policy.can_mark_used(request.user, share_request.program_id),
        "revoke_form": RevokeForm(),
    }


@reviewer_required
@require_GET
def request_page(request, pk):
    share_request = _request_or_404(request, pk)
    return render(request, "review/request.html", _request_context(request, share_request))


@reviewer_required
@require_http_methods(["POST"])
def decide(request, pk):
    share_request = _request_or_404(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        link_expires_at = None
        if data["link_days"]:
            link_expires_at = timezone.now() + timedelta(days=data["link_days"])
        try:
            decided = services.decide(
                share_request=share_request,
                reviewer=request.user,
                outcome=data["outcome"],
                reason_code=data["reason_code"],
                note=data["note"],
                link_expires_at=link_expires_at,
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            if decided.status == ShareRequest.Status.PENDING:
                messages.success(request, "Approved; it now waits for a second reviewer.")
            elif _undo_window_link(decided) is not None:
                # Stay on the request: its page offers "Undo" until the link opens.
                return redirect("review:request", pk=decided.pk)
            else:
                messages.success(request, f"Decided: {decided.get_status_display().lower()}.")
            return redirect("review:queue")
    context = _request_context(request, share_request, form=form)
    return render(request, "review/request.html", context, status=422)


def _undo_window_link(share_request: ShareRequest):
    link = selectors.live_link(share_request=share_request)
    return link if link is not None and link.in_undo_window() else None


@reviewer_required
@require_POST
def undo_approval(request, pk):
    share_request = _request_or_404(request, pk)
    try:
        undo.undo_approval(share_request=share_request, reviewer=request.user)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Approval undone: the link never opened. Decide again.")
    return redirect("review:request", pk=pk)


def _revoke_form_or_message(request):
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why, in a few words.")
        return None
    return form.cleaned_data["reason"]


def _takedown_request_or_404(request, pk) -> ShareRequest:
    """A request whose publication `request.user` may stop: not their own, in a program where
    policy.can_take_down allows it, whatever the program's state."""
    share_request = (
        ShareRequest.objects.select_related("program")
        .exclude(requested_by=request.user)
        .filter(pk=pk)
        .first()
    )
    if share_request is None or not policy.can_take_down(request.user, share_request.program_id):
        raise Http404("No such share request.")
    return share_request


def _after_takedown(request, share_request: ShareRequest):
    # The request page is review work (an active program); otherwise the program's console page.
    if policy.can_review(request.user, share_request.program_id):
        return redirect("review:request", pk=share_request.pk)
    return redirect("console:program", slug=share_request.program.slug)


@staff_view
@require_POST
def revoke_link(request, pk, link_id):
    share_request = _takedown_request_or_404(request, pk)
    link = share_request.links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    reason = _revoke_form_or_message(request)
    if reason is not None:
        try:
            services.revoke_share_link(link=link, actor=request.user, reason=reason)
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The share link is revoked; it stopped working now.")
    return _after_takedown(request, share_request)


@staff_view
@require_POST
def revoke_approval(request, pk):
    share_request = _takedown_request_or_404(request, pk)
    reason = _revoke_form_or_message(request)
    if reason is not None:
        try:
            approvals.revoke_approval(
                share_request=share_request, actor=request.user, reason=reason
            )
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The approval is revoked; its links stopped working now.")
    return _after_takedown(request, share_request)


@reviewer_required
@require_POST
def mark_used(request, pk):
    share_request = _request_or_404(request, pk)
    try:
        approvals.mark_used_by_organisers(share_request=share_request, actor=request.user)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Marked as used by the organisers; the licence fee is paid.")
    return redirect("review:request", pk=pk)
