"""Feedback downloads in the console: a form's responses and a program's bug reports as CSV,
streamed while they are sent. Any staff role of the program may download them."""

from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from accessprogram.console.permissions import staff_required
from accessprogram.feedback import figures, selectors

from .views import _feedback_form, _viewing


def _csv(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A CSV download streamed from `lines`: written while it is sent, never held whole."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def form_csv(request, slug, form_id):
    program = _viewing(request, slug)
    feedback_form = _feedback_form(program, form_id)
    return _csv(
        figures.responses_csv(form=feedback_form),
        f"{program.slug}-form-{feedback_form.pk}-responses.csv",
    )


@staff_required
@require_GET
def bugs_csv(request, slug):
    program = _viewing(request, slug)
    return _csv(
        [figures.bugs_csv(bugs=selectors.program_bugs(program=program))],
        f"{program.slug}-bug-reports.csv",
    )
