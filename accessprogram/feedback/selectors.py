"""Reads: which forms a tester sees, their answers and bug reports; staff lists."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accessprogram.access.selectors import usable_tester_memberships
from accessprogram.programs.models import Membership, Program

from .models import (
    Answer,
    BoardItem,
    BoardUpdate,
    BoardVote,
    BugEvent,
    BugReport,
    FeedbackForm,
    FormResponse,
    QuickRating,
    ReleaseNote,
)


@dataclass(frozen=True)
class TesterForm:
    form: FeedbackForm
    membership: Membership
    response: FormResponse | None
    phase: str  # upcoming, open, closed


def _forms_for_membership(membership: Membership) -> QuerySet[FeedbackForm]:
    return FeedbackForm.objects.filter(
        program_id=membership.program_id, status=FeedbackForm.Status.PUBLISHED
    ).filter(Q(cohort__isnull=True) | Q(cohort_id=membership.cohort_id))


def forms_for_tester(*, user) -> list[TesterForm]:
    """Published forms of the tester's usable memberships, with the tester's own response."""
    now = timezone.now()
    memberships = usable_tester_memberships(user=user)
    responses = {
        (r.form_id, r.membership_id): r
        for r in FormResponse.objects.filter(membership__in=[m.pk for m in memberships])
    }
    rows = []
    for membership in memberships:
        for form in _forms_for_membership(membership).select_related("program", "cohort"):
            rows.append(
                TesterForm(
                    form=form,
                    membership=membership,
                    response=responses.get((form.pk, membership.pk)),
                    phase=form.phase(now),
                )
            )
    return sorted(rows, key=lambda row: (row.form.closes_at, row.form.pk))


def tester_membership(*, user, program_id) -> Membership | None:
    return (
        Membership.objects.filter(user=user, program_id=program_id, role=Membership.Role.TESTER)
        .select_related("program", "cohort")
        .first()
    )


def form_for_tester(*, user, form_id) -> tuple[FeedbackForm, Membership] | None:
    """A published form meant for one of the user's tester memberships (any status), or None."""
    form = (
        FeedbackForm.objects.filter(pk=form_id, status=FeedbackForm.Status.PUBLISHED)
        .select_related("program", "cohort")
        .first()
    )
    if form is None:
        return None
    membership = tester_membership(user=user, program_id=form.program_id)
    if membership is None or (form.cohort_id and membership.cohort_id != form.cohort_id):
        return None
    return form, membership


def response_of(*, form: FeedbackForm, membership: Membership) -> FormResponse | None:
    return FormResponse.objects.filter(form=form, membership=membership).first()


def answers_by_question(response: FormResponse | None) -> dict[int, object]:
    if response is None:
        return {}
    return dict(Answer.objects.filter(response=response).values_list("question_id", "value"))


# --- Bugs -------------------------------------------------------------------------------------


def bugs_of(*, user) -> QuerySet[BugReport]:
    return BugReport.objects.filter(reporter=user).select_related("program", "duplicate_of")


def visible_events(*, bug: BugReport) -> QuerySet[BugEvent]:
    """The timeline the reporter sees: everything but internal notes."""
    return bug.events.filter(internal=False).select_related("author")


def program_bugs(*, program: Program, status: str = "", severity: str = "") -> QuerySet:
    bugs = BugReport.objects.filter(program=program).select_related(
        "reporter", "duplicate_of", "generation"
    )
    if status:
        bugs = bugs.filter(status=status)
    if severity:
        bugs = bugs.filter(severity=severity)
    return bugs.annotate(attachment_count=Count("attachments"))


def program_forms(*, program: Program) -> QuerySet[FeedbackForm]:
    return (
        FeedbackForm.objects.filter(program=program)
        .select_related("cohort")
        .annotate(
            response_count=Count("responses", filter=Q(responses__completed_at__isnull=False))
        )
    )


def quick_rating_of(*, generation, user) -> QuickRating | None:
    return QuickRating.objects.filter(generation=generation, tester=user).first()


# --- The program board ------------------------------------------------------------------------


def board_program_ids(*, user) -> QuerySet:
    """Programs whose board the user sees: those they test in."""
    return Membership.objects.filter(user=user, role=Membership.Role.TESTER).values("program_id")


def board_items(*, user, program_ids=None) -> QuerySet[BoardItem]:
    """Items on the boards the user sees (merged duplicates left out), most votes first, each
    with `vote_count` and `voted` (whether the user voted)."""
    program_ids = board_program_ids(user=user) if program_ids is None else program_ids
    return (
        BoardItem.objects.filter(program_id__in=program_ids, merged_into__isnull=True)
        .select_related("program", "reporter")
        .annotate(
            vote_count=Count("votes", distinct=True),
            voted=Exists(BoardVote.objects.filter(item=OuterRef("pk"), user=user)),
        )
        .order_by("-vote_count", "-created_at", "-id")
    )


def board_updates(*, user) -> QuerySet[BoardUpdate]:
    return BoardUpdate.objects.filter(user=user, read_at__isnull=True).select_related("item")


def release_notes(*, user) -> QuerySet[ReleaseNote]:
    """Published release notes of the user's programs, each with its credited items."""
    return (
        ReleaseNote.objects.filter(
            program_id__in=board_program_ids(user=user), published_at__isnull=False
        )
        .select_related("program")
        .prefetch_related(Prefetch("items", queryset=BoardItem.objects.select_related("reporter")))
    )


def program_board(*, program) -> QuerySet[BoardItem]:
    """A program's board for staff: every item still on it, most votes first."""
    return (
        BoardItem.objects.filter(program=program, merged_into__isnull=True)
        .select_related("reporter")
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "-created_at", "-id")
    )
