"""A tester's block notices and their one appeal of each. Signed-in users see only their own
notices (anyone else's is 404)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accessprogram.programs.view_access import tester_view

from .appeals import AppealError, liftable, mark_read, may_appeal, submit_appeal
from .forms import AppealForm
from .selectors import notices_of


@tester_view
@require_GET
def notices(request):
    return render(request, "access/notices.html", {"notices": notices_of(user=request.user)[:200]})


@tester_view
@require_http_methods(["GET", "POST"])
def notice(request, notice_id: int):
    notice = get_object_or_404(notices_of(user=request.user), pk=notice_id)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submit_appeal(notice=notice, message=form.cleaned_data["message"])
        except AppealError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your appeal is sent. You will hear back by email.")
        return redirect("block-notice", notice_id=notice.pk)
    mark_read(notice=notice)
    context = {
        "notice": notice,
        "form": form if may_appeal(notice) else None,
        "in_force": notice.block.kind == "revocation" or liftable(notice.block),
    }
    return render(request, "access/notice.html", context)
