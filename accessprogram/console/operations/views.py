"""The progress of a background operation, as a fragment htmx polls (see
templates/console/_operation.html). Who may see it depends on its kind, like the page that
started it: finance staff for closes and stipend runs, program managers for imports."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accessprogram.access import policy
from accessprogram.console.permissions import program_for, staff_required
from accessprogram.operations.models import BackgroundOperation

ROLES_BY_KIND = {
    BackgroundOperation.Kind.PAYOUT_CLOSE: policy.FINANCE,
    BackgroundOperation.Kind.STIPEND_RUN: policy.FINANCE,
    BackgroundOperation.Kind.INVITATION_IMPORT: policy.MANAGER,
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
