"""The console home (every program one may see, at a glance) and each program's health page,
with its live fragment (render queue and review backlog) refreshed by htmx.

Any staff role of a program sees its dashboard; which figures and links it shows follows the
reader's powers there (policy.powers_in). Other programs answer 404.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accessprogram.access import policy
from accessprogram.console.permissions import program_for, staff_required

from . import selectors
from .trends import RANGES

LIVE_REFRESH_SECONDS = 15  # the queue and backlog fragment; a page left open costs 4 GETs/min


@staff_required
@require_GET
def dashboard(request):
    window = selectors.window_of(request.GET.get("days"))
    summaries = selectors.platform_health(
        user=request.user, programs=policy.staff_programs(request.user), window=window
    )
    return render(
        request,
        "console/dashboard.html",
        {
            "summaries": summaries,
            "totals": selectors.platform_totals(summaries),
            "whole_platform": policy.sees_every_program(request.user),
            "window": window,
        },
    )


@staff_required
@require_GET
def program_health(request, slug):
    program = program_for(request.user, slug)
    window = selectors.window_of(request.GET.get("days"))
    return render(
        request,
        "console/health/program.html",
        {
            "health": selectors.program_health(user=request.user, program=program, window=window),
            "window": window,
            "ranges": RANGES,
            "refresh_seconds": LIVE_REFRESH_SECONDS,
        },
    )


@staff_required
@require_GET
def program_health_live(request, slug):
    program = program_for(request.user, slug)
    return render(
        request,
        "console/health/_live.html",
        {
            "live": selectors.live(program=program),
            "powers": policy.powers_in(request.user, [program.pk])[program.pk],
            "refresh_seconds": LIVE_REFRESH_SECONDS,
        },
    )
