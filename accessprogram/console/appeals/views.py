"""The appeal queue: program managers and admins see their programs' appeals, the one due
soonest first with its service level, and decide each (uphold, or lift the block) with a
reason. Anyone else, and appeals of other programs, get 404."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accessprogram.access import policy
from accessprogram.access.appeals import AppealError, decide_appeal, liftable
from accessprogram.access.selectors import appeal_queue
from accessprogram.access.staff_views import staff_view

from .forms import DecisionForm

RECENT = 50  # decided appeals shown below the open ones


def _managed_programs(request):
    programs = policy.staff_programs(request.user, roles=policy.MANAGER)
    if not programs.exists():
        raise Http404("No appeal queue for you here.")
    return programs


@staff_view
@require_GET
def queue(request):
    programs = _managed_programs(request)
    decided = appeal_queue(programs=programs, open_only=False).exclude(status="open")
    context = {
        "open_appeals": appeal_queue(programs=programs)[:200],
        "decided": decided.order_by("-decided_at")[:RECENT],
        "now": timezone.now(),
        "sla_hours": settings.APPEAL_SLA_HOURS,
    }
    return render(request, "console/appeals/queue.html", context)


@staff_view
@require_http_methods(["GET", "POST"])
def appeal(request, appeal_id: int):
    programs = _managed_programs(request)
    appeal = get_object_or_404(appeal_queue(programs=programs, open_only=False), pk=appeal_id)
    can_lift = appeal.is_open and liftable(appeal.notice.block)
    form = DecisionForm(request.POST or None, liftable=can_lift)
    if request.method == "POST" and appeal.is_open and form.is_valid():
        try:
            decide_appeal(
                appeal=appeal,
                lift=form.cleaned_data["decision"] == "lift",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except AppealError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Decided. The tester is told by email and in the portal.")
            return redirect("console:appeals")
    context = {"appeal": appeal, "form": form, "can_lift": can_lift, "now": timezone.now()}
    return render(request, "console/appeals/appeal.html", context)
