"""The tester's side of sharing: ask, follow, resubmit once, withdraw, copy or revoke the link,
and read notifications. Every view shows only the signed-in user's own requests."""

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.programs.view_access import tester_view
from generation.selectors import visible_generations

from . import selectors, services
from .forms import REASON_LABELS, ResubmitForm, ShareRequestForm
from .models import Notification, ShareRequest
from .sharing import share_state

PER_PAGE = 50


def _own_request(request, pk) -> ShareRequest:
    return get_object_or_404(
        ShareRequest.objects.select_related("program"), pk=pk, requested_by=request.user
    )


def _submitted(request, form, submit, *, done: str) -> bool:
    """For a valid POST of a share request form, call `submit` with its answers: True when it
    went through (and `done` is shown), False otherwise (a refusal becomes a form error)."""
    if request.method != "POST" or not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        submit(
            tester=request.user,
            intended_use=data["intended_use"],
            caption=data["caption"],
            destination=data["destination"],
        )
    except services.ReviewError as error:
        form.add_error(None, str(error))
        return False
    messages.success(request, done)
    return True


@tester_view
@require_GET
def my_requests(request):
    page = Paginator(selectors.my_share_requests(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [share_state(share_request=share_request, request=request) for share_request in page]
    return render(
        request,
        "review/mine.html",
        {
            "rows": rows,
            "page": page,
            "reason_labels": REASON_LABELS,
            "unread": selectors.unread_notification_count(user=request.user),
        },
    )


@tester_view
@require_http_methods(["GET", "POST"])
def request_share(request, public_id):
    generation = get_object_or_404(visible_generations(user=request.user), public_id=public_id)
    earlier = generation.share_requests.order_by("-created_at", "-id").first()
    if earlier is not None and earlier.status in (
        ShareRequest.Status.PENDING,
        *ShareRequest.RESUBMITTABLE,
        ShareRequest.Status.APPROVED,
    ):
        # One open request per output; a turned-down one is resubmitted, not asked afresh.
        messages.info(request, "This output already has a share request; here is where it stands.")
        return redirect(f"{_mine()}#request-{earlier.pk}")
    form = ShareRequestForm(request.POST or None)
    ask = partial(services.request_share, generation=generation)
    if _submitted(request, form, ask, done="Your share request is in the review queue."):
        return redirect("review:mine")
    status = 422 if form.errors else 200
    return render(
        request, "review/request_form.html", {"generation": generation, "form": form}, status=status
    )


def _mine() -> str:
    return reverse("review:mine")


@tester_view
@require_http_methods(["GET", "POST"])
def resubmit(request, pk):
    original = _own_request(request, pk)
    form = ResubmitForm(request.POST or None, original=original)
    again = partial(services.resubmit, share_request=original)
    if _submitted(
        request, form, again, done="Resubmitted: your changed request is back in the queue."
    ):
        return redirect("review:mine")
    status = 422 if form.errors else 200
    return render(
        request,
        "review/resubmit.html",
        {
            "original": original,
            "decisions": original.decisions.all(),
            "reason_labels": REASON_LABELS,
            "form": form,
        },
        status=status,
    )


@tester_view
@require_POST
def withdraw(request, pk):
    share_request = _own_request(request, pk)
    try:
        services.withdraw(share_request=share_request, tester=request.user)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your share request is withdrawn.")
    return redirect("review:mine")


@tester_view
@require_POST
def revoke_my_link(request, pk):
    share_request = _own_request(request, pk)
    link = selectors.live_link(share_request=share_request)
    if link is None:
        raise Http404("No live link.")
    services.revoke_share_link(link=link, actor=request.user, reason="Revoked by the tester")
    messages.success(request, "Your share link is revoked; it stopped working now.")
    return redirect("review:mine")


@tester_view
@require_GET
def notifications(request):
    items = Notification.objects.filter(user=request.user).select_related("share_request")[:100]
    return render(
        request,
        "review/notifications.html",
        {
            "notifications": items,
            "unread": selectors.unread_notification_count(user=request.user),
        },
    )


@tester_view
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    url = notification.url
    if request.POST.get("open") and url.startswith("/") and not url.startswith("//"):
        return redirect(url)
    return redirect("review:notifications")


@tester_view
@require_POST
def mark_all_read(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.info(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("review:notifications")
