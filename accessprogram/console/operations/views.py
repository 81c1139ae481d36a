"""The progress of a background operation, as a fragment htmx polls (see
templates/console/_operation.html). Who may see it depends on its kind, like the page that
started it: finance staff for closes and stipend runs, program managers for imports."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accessprogram.console.permissions import FINANCE_ROLES, program_for, staff_required
from accessprogram.operations.models import BackgroundOperation
from accessprogram.programs.models import Membership

ROLES_BY_KIND = {
    BackgroundOperation.Kind.PAYOUT_CLOSE: FINANCE_ROLES,
    BackgroundOperation.Kind.STIPEND_RUN: FINANCE_ROLES,
    BackgroundOperation.Kind.INVITATION_IMPORT: (
        Membership.Role.PROGRAM_MANAGER,
        Membership.Role.ADMIN,
    ),
}


@staff_required
@require_GET
def operation_progress(request, slug, operation_id):
    """Once a live operation has finished, the answer tells htmx to reload the page, which then
    shows what the operation wrote."""
    operation = get_object_or_404(
        BackgroundOperation.objects.select_related("requested_by"),
        pk=operation_id,
        program__slug=slug,
    )
    program = program_for(request.user, slug, roles=ROLES_BY_KIND[operation.kind])
    response = render(
        request, "console/_operation.html", {"program": program, "operation": operation}
    )
    if request.GET.get("polling") and not operation.is_live:
        response["HX-Refresh"] = "true"
    return response
