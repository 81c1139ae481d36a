"""Console home. Staff only (see permissions.staff_required)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accessprogram.access import policy

from .permissions import staff_required
from .selectors import program_overview


@staff_required
@require_GET
def dashboard(request):
    programs = policy.staff_programs(request.user)
    return render(
        request,
        "console/dashboard.html",
        {"overviews": [program_overview(program=program) for program in programs]},
    )
