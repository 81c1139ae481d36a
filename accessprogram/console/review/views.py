"""Review service levels: how long share requests wait, per program and per reviewer."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accessprogram.console.permissions import programs_for, staff_required
from review.queue import TURNAROUND_DAYS, program_service_levels, reviewer_service_levels
from review.selectors import REVIEW_ROLES


@staff_required
@require_GET
def service_levels(request):
    # Programs the reader staffs as a reviewer, manager or admin (finance sees no outputs).
    program_ids = list(programs_for(request.user, roles=REVIEW_ROLES).values_list("pk", flat=True))
    now = timezone.now()
    programs = program_service_levels(program_ids=program_ids, now=now)
    reviewers = reviewer_service_levels(program_ids=program_ids, now=now)
    return render(
        request,
        "console/review/service_levels.html",
        {
            "programs": programs,
            "reviewers": reviewers,
            "days": TURNAROUND_DAYS,
            "sla_hours": settings.REVIEW_SLA_HOURS,
            "median_rows": [(p.label, p.median_hours or 0) for p in programs],
            "pending_rows": [(p.label, p.pending) for p in programs],
            "reviewer_rows": [(r.label, r.decided) for r in reviewers],
        },
    )
