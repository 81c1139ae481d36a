"""The dangerous actions on pages of their own: the kill switch and final revocations.

Each page states what the action would do (accessprogram.console.access.impact) and asks for
the program's name, the tester's e-mail or the cohort's name typed out; a wrong text refuses
(422) and changes nothing. The POST itself does no more than before: the figures are read on
the GET, so the kill switch stays as fast as it was."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accessprogram.access import policy
from accessprogram.access.blocks import blocks_on
from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import RevocationError, block_access, kill_switch
from accessprogram.console.permissions import program_for, staff_required
from accessprogram.programs.models import Cohort, Membership

from .forms import FinalRevocationForm, KillSwitchForm
from .impact import block_impact

Level = AccessBlock.Level
Kind = AccessBlock.Kind


@staff_required
@require_http_methods(["GET", "POST"])
def kill_switch_view(request, slug):
    program = program_for(request.user, slug, roles=policy.MANAGER)
    if blocks_on(program_id=program.pk).filter(level=Level.PROGRAM).exists():
        messages.info(request, f"{program.name} is already paused; nothing was changed.")
        return redirect("console:program", slug=slug)
    form = KillSwitchForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        kill_switch(
            program=program,
            reason=form.cleaned_data["reason"],
            message=form.cleaned_data["message"],
            expected_back_at=form.cleaned_data["expected_back_at"],
            actor=request.user,
        )
        messages.warning(request, f"{program.name} is paused. Every tester lost access just now.")
        return redirect("console:program", slug=slug)
    impact = block_impact(
        program=program, level=Level.PROGRAM, target_id=program.pk, kind=Kind.SUSPENSION
    )
    return render(
        request,
        "console/kill_switch.html",
        {"program": program, "form": form, "impact": impact},
        status=422 if form.errors else 200,
    )


def _revocation_target(program, level: str, target_id: int):
    """(target, the text to type, what that text is) for a tester's or a cohort's revocation."""
    if level == Level.MEMBERSHIP:
        member = get_object_or_404(
            Membership.objects.select_related("user"),
            pk=target_id,
            program=program,
            role=Membership.Role.TESTER,
        )
        return member, member.user.email, "tester's e-mail address"
    if level == Level.COHORT:
        cohort = get_object_or_404(Cohort, pk=target_id, program=program)
        return cohort, cohort.name, "cohort's name"
    raise Http404("Only testers and cohorts are revoked on this page.")


@staff_required
@require_http_methods(["GET", "POST"])
def revoke_confirm_view(request, slug, level, target_id):
    program = program_for(request.user, slug, roles=policy.MANAGER)
    target, expected, what = _revocation_target(program, level, target_id)
    form = FinalRevocationForm(request.POST or None, expected=expected, what=what)
    if request.method == "POST" and form.is_valid():
        try:
            block_access(
                target=target,
                kind=Kind.REVOCATION,
                reason=form.cleaned_data["reason"],
                message=form.cleaned_data["message"],
                actor=request.user,
            )
        except RevocationError as error:
            form.add_error(None, f"Nothing was changed: {error}")
        else:
            messages.success(request, f"Access of {expected} is revoked for good.")
            return redirect("console:program", slug=slug)
    impact = block_impact(program=program, level=level, target_id=target.pk, kind=Kind.REVOCATION)
    return render(
        request,
        "console/revoke_confirm.html",
        {
            "program": program,
            "form": form,
            "impact": impact,
            "level": level,
            "target_label": expected,
            "is_tester": level == Level.MEMBERSHIP,
        },
        status=422 if form.errors else 200,
    )
