"""Program access control: kill switch, suspensions and revocations, lifting them.

Viewing: any staff role in the program. Acting: program managers and admins of the program.
Objects of other programs answer 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accessprogram.access import policy
from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import AccessBlock, ApiToken
from accessprogram.access.revocation import (
    RevocationError,
    block_access,
    lift_block,
    resume_program,
)
from accessprogram.accounts.services import end_web_sessions
from accessprogram.audit.services import record
from accessprogram.console.permissions import (
    program_for,
    staff_required,
)
from accessprogram.console.selectors import label_blocks, program_overview
from accessprogram.programs.models import Cohort, Membership
from accessprogram.programs.services import (
    OnboardingError,
    change_membership,
    create_cohort,
    update_program_settings,
)

from .forms import (
    BlockForm,
    CohortForm,
    MemberFilterForm,
    MembershipChangeForm,
    ProgramSettingsForm,
)
from .member_status import with_blocks

MEMBERS_PER_PAGE = 50

# Final revocations at these levels need their own confirmation page (confirm_views).
CONFIRMED_LEVELS = (AccessBlock.Level.MEMBERSHIP, AccessBlock.Level.COHORT)


def _page(request, program):
    filters = MemberFilterForm(request.GET, program=program)
    members = filters.filter(Membership.objects.filter(program=program))
    blocks = blocks_in_force().filter(program=program).select_related("created_by")
    can_act = policy.can_act_on_program(request.user, program.pk, roles=policy.MANAGER)
    members_page = Paginator(
        members.select_related("user", "cohort", "added_by").order_by("user__email", "pk"),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    members_page.object_list = with_blocks(members_page.object_list, program=program)
    return render(
        request,
        "console/program.html",
        {
            "overview": program_overview(program=program),
            "program": program,
            "blocks": label_blocks(blocks),
            "cohorts": Cohort.objects.filter(program=program),
            "members": members_page,
            "filters": filters,
            "cohort_form": CohortForm(),
            "can_act": can_act,
        },
    )


def _posted(request, form_class, *, nothing_done: str) -> dict | None:
    """The posted form's data; None when it is invalid, its errors then shown as one line after
    `nothing_done` on the program page the action returns to."""
    form = form_class(request.POST)
    if form.is_valid():
        return form.cleaned_data
    errors = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    messages.error(request, f"{nothing_done} {errors}")
    return None


def _acting_program(request, slug):
    return program_for(request.user, slug, roles=policy.MANAGER)


@staff_required
@require_GET
def program_page(request, slug):
    return _page(request, program_for(request.user, slug))


@staff_required
@require_GET
def member_page(request, slug, membership_id):
    program = program_for(request.user, slug)
    member = get_object_or_404(
        Membership.objects.select_related("user", "cohort"), pk=membership_id, program=program
    )
    with_blocks([member], program=program)
    tokens = ApiToken.objects.filter(membership=member)
    can_act = policy.can_act_on_program(request.user, program.pk, roles=policy.MANAGER)
    initial = {"role": member.role, "cohort": member.cohort}
    return render(
        request,
        "console/member.html",
        {
            "program": program,
            "member": member,
            "tokens": tokens,
            "can_act": can_act,
            "change_form": MembershipChangeForm(initial=initial, program=program),
        },
    )


@staff_required
@require_POST
def resume_view(request, slug):
    program = _acting_program(request, slug)
    lifted = resume_program(program=program, actor=request.user)
    if lifted:
        messages.success(request, f"{program.name} is running again.")
    else:
        messages.info(request, "The program was not paused.")
    return redirect("console:program", slug=slug)


def _target(program, level, target_id):
    if level == AccessBlock.Level.TOKEN:
        return get_object_or_404(
            ApiToken.objects.select_related("membership__program"),
            pk=target_id,
            membership__program=program,
        )
    if level == AccessBlock.Level.MEMBERSHIP:
        return get_object_or_404(Membership, pk=target_id, program=program)
    if level == AccessBlock.Level.COHORT:
        return get_object_or_404(Cohort, pk=target_id, program=program)
    raise Http404


@staff_required
@require_POST
def block_view(request, slug):
    program = _acting_program(request, slug)
    data = _posted(request, BlockForm, nothing_done="Nothing was changed.")
    if data is None:
        return redirect("console:program", slug=slug)
    target = _target(program, data["level"], data["target_id"])
    if data["kind"] == AccessBlock.Kind.REVOCATION and data["level"] in CONFIRMED_LEVELS:
        # A final revocation of a tester or a cohort is typed out on its own page.
        messages.error(request, "Nothing was changed yet: confirm the final revocation here.")
        return redirect(
            "console:revoke-confirm", slug=slug, level=data["level"], target_id=target.pk
        )
    if isinstance(target, Membership) and target.role != Membership.Role.TESTER:
        # Staff are suspended by changing their role or status, by an admin, not by a block.
        messages.error(request, "Nothing was changed: access blocks apply to testers only.")
        return redirect("console:program", slug=slug)
    try:
        block_access(
            target=target,
            kind=data["kind"],
            reason=data["reason"],
            message=data["message"],
            ends_at=data["ends_at"],
            actor=request.user,
        )
    except RevocationError as error:
        messages.error(request, f"Nothing was changed: {error}")
    else:
        messages.success(
            request, f"{AccessBlock.Kind(data['kind']).label} of {target} is in force."
        )
    return redirect("console:program", slug=slug)


@staff_required
@require_POST
def lift_view(request, slug, block_id):
    program = _acting_program(request, slug)
    block = get_object_or_404(AccessBlock, pk=block_id, program=program)
    try:
        lifted = lift_block(block=block, actor=request.user)
    except RevocationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Access is restored." if lifted else "That block had already ended."
        )
    return redirect("console:program", slug=slug)


@staff_required
@require_POST
def change_member_view(request, slug, membership_id):
    program = _acting_program(request, slug)
    member = get_object_or_404(Membership, pk=membership_id, program=program)
    form = MembershipChangeForm(request.POST, program=program)
    if not form.is_valid():
        messages.error(request, "Nothing was changed: choose a valid role and cohort.")
    elif member.user_id == request.user.pk:
        messages.error(request, "Nothing was changed: you cannot change your own membership.")
    elif not policy.may_change_member(request.user, member, form.cleaned_data["role"]):
        messages.error(
            request,
            "Nothing was changed: only admins grant or remove the finance, manager and admin "
            "roles.",
        )
    elif change_membership(
        membership=member,
        role=form.cleaned_data["role"],
        cohort=form.cleaned_data["cohort"],
        actor=request.user,
    ):
        messages.success(request, "The member's role and cohort are updated.")
    else:
        messages.info(request, "Nothing to change.")
    return redirect("console:member", slug=slug, membership_id=membership_id)


@staff_required
@require_POST
def create_cohort_view(request, slug):
    program = _acting_program(request, slug)
    data = _posted(request, CohortForm, nothing_done="No cohort was created.")
    if data is None:
        return redirect("console:program", slug=slug)
    try:
        cohort = create_cohort(program=program, actor=request.user, **data)
    except OnboardingError as error:
        messages.error(request, f"No cohort was created: {error}")
    else:
        messages.success(request, f"Cohort {cohort.name} created.")
    return redirect("console:program", slug=slug)


@staff_required
@require_POST
def end_sessions_view(request, slug, membership_id):
    """Sign a member out everywhere (their next request needs a new sign-in)."""
    program = _acting_program(request, slug)
    member = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, program=program
    )
    if not policy.may_end_sessions(request.user, member.user):
        messages.error(
            request,
            "Nobody was signed out: they hold a staff role you do not outrank here or in "
            "another program.",
        )
        return redirect("console:member", slug=slug, membership_id=membership_id)
    end_web_sessions(user_ids=[member.user_id])
    record(action="sessions.ended", target=member, actor=request.user, program=program.slug)
    messages.success(request, f"Every web session of {member.user.email} has ended.")
    return redirect("console:member", slug=slug, membership_id=membership_id)


@staff_required
@require_http_methods(["GET", "POST"])
def program_settings_view(request, slug):
    program = _acting_program(request, slug)
    form = ProgramSettingsForm.for_program(program, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_program_settings(
                program=program, actor=request.user, **form.cleaned_data
            )
        except (OnboardingError, ValidationError) as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, f"Saved: {', '.join(changed)}.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("console:program-settings", slug=slug)
    status = 422 if form.errors else 200
    return render(
        request, "console/program_settings.html", {"program": program, "form": form}, status=status
    )
